// SPDX-License-Identifier: MIT
// Part of taskhub.
// Reading a farm task file: plain lines or strict JSON lines.
#include "task_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "../common/parse.hpp"
#include "../common/terminal.hpp"

namespace farm {
namespace {

// Just enough JSON for one task line: objects, arrays, strings, numbers, true/false/null.
struct json {
  enum kind_t { null, boolean, number, string, array, object } kind = null;
  bool b = false;
  double n = 0;
  std::string s;  // a string's value, or a number as written
  std::vector<json> items;
  std::vector<std::pair<std::string, json>> members;

  static const char* name_of(kind_t k) {
    static const char* names[] = {"null", "a boolean", "a number", "a string", "an array", "an object"};
    return names[k];
  }
};

class json_reader {
 public:
  explicit json_reader(const std::string& text) : t_(text) {}

  json read_document() {
    json v = value();
    space();
    if (at_ < t_.size()) fail("unexpected text after the object");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("invalid JSON at column " + std::to_string(at_ + 1) + ": " + what);
  }
  void space() {
    while (at_ < t_.size() && (t_[at_] == ' ' || t_[at_] == '\t' || t_[at_] == '\r')) ++at_;
  }
  bool eat(char c) {
    space();
    if (at_ < t_.size() && t_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  bool word(const char* w) {
    const std::size_t n = std::strlen(w);
    if (t_.compare(at_, n, w) != 0) return false;
    at_ += n;
    return true;
  }

  json value() {
    if (++depth_ > 32) fail("nested deeper than 32 levels");
    struct leave {
      int& d;
      ~leave() { --d; }
    } on_return{depth_};
    space();
    if (at_ >= t_.size()) fail("unexpected end of line");
    json v;
    const char c = t_[at_];
    if (c == '{') {
      ++at_;
      v.kind = json::object;
      if (eat('}')) return v;
      do {
        space();
        if (at_ >= t_.size() || t_[at_] != '"') fail("expected a key in double quotes");
        const std::size_t key_at = at_;
        std::string key = string_value();
        for (const auto& m : v.members)
          if (m.first == key) {
            at_ = key_at;
            fail("the key \"" + key + "\" appears twice in one object");
          }
        expect(':');
        v.members.emplace_back(std::move(key), value());
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      ++at_;
      v.kind = json::array;
      if (eat(']')) return v;
      do v.items.push_back(value());
      while (eat(','));
      expect(']');
    } else if (c == '"') {
      v.kind = json::string;
      v.s = string_value();
    } else if (word("true")) {
      v.kind = json::boolean;
      v.b = true;
    } else if (word("false")) {
      v.kind = json::boolean;
    } else if (word("null")) {
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = json::number;
      v.s = number_text();
      const auto [end, error] = std::from_chars(v.s.data(), v.s.data() + v.s.size(), v.n);
      if (error != std::errc() || end != v.s.data() + v.s.size() || !std::isfinite(v.n))
        fail("a number out of range");
    } else {
      fail(std::string("unexpected '") + c + "'");
    }
    return v;
  }

  // A number as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  std::string number_text() {
    const std::size_t begin = at_;
    const auto is_digit = [&] { return at_ < t_.size() && t_[at_] >= '0' && t_[at_] <= '9'; };
    const auto run_of_digits = [&] {
      if (!is_digit()) fail("a number needs a digit here");
      while (is_digit()) ++at_;
    };
    if (t_[at_] == '-') ++at_;
    if (at_ < t_.size() && t_[at_] == '0') {
      ++at_;
      if (is_digit()) fail("a number cannot start with 0");
    } else {
      run_of_digits();
    }
    if (at_ < t_.size() && t_[at_] == '.') {
      ++at_;
      run_of_digits();
    }
    if (at_ < t_.size() && (t_[at_] == 'e' || t_[at_] == 'E')) {
      ++at_;
      if (at_ < t_.size() && (t_[at_] == '+' || t_[at_] == '-')) ++at_;
      run_of_digits();
    }
    return t_.substr(begin, at_ - begin);
  }

  // Four hex digits of a \u escape.
  unsigned hex4() {
    unsigned code = 0;
    for (int i = 0; i < 4; ++i, ++at_) {
      const char c = at_ < t_.size() ? t_[at_] : '\0';
      const int digit = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
      if (digit < 0) fail("a \\u escape needs four hex digits");
      code = code * 16 + static_cast<unsigned>(digit);
    }
    return code;
  }

  std::string string_value() {
    ++at_;  // the opening quote
    std::string out;
    while (at_ < t_.size() && t_[at_] != '"') {
      char c = t_[at_++];
      if (static_cast<unsigned char>(c) < 0x20) {
        --at_;
        fail("a raw control character (byte " + std::to_string(static_cast<int>(c)) +
             ") in a string: write it as an escape such as \\t or \\u0009");
      }
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (at_ >= t_.size()) break;
      c = t_[at_++];
      switch (c) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case '"': case '\\': case '/': out.push_back(c); break;
        case 'u': {
          unsigned code = hex4();
          if (code >= 0xD800 && code < 0xDC00) {  // a surrogate pair
            if (t_.compare(at_, 2, "\\u") != 0) fail("a \\u escape of a lone high surrogate");
            at_ += 2;
            const unsigned low = hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("a \\u escape of a lone high surrogate");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code < 0xE000) {
            fail("a \\u escape of a lone low surrogate");
          }
          if (code == 0) fail("a NUL character (\\u0000) cannot be part of a command");
          if (code < 0x80) {
            out.push_back(static_cast<char>(code));
          } else if (code < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (code >> 6)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else if (code < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (code >> 12)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else {
            out.push_back(static_cast<char>(0xF0 | (code >> 18)));
            out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          }
          break;
        }
        default: fail(std::string("unknown escape \\") + c);
      }
    }
    if (at_ >= t_.size()) fail("unterminated string");
    ++at_;
    return out;
  }

  const std::string& t_;
  std::size_t at_ = 0;
  int depth_ = 0;
};

// A name from the task file inside a message: quoted, escaped and short.
std::string quoted(const std::string& name) { return '"' + driver::printable(name, 64) + '"'; }

task_line task_of_json(const json& v) {
  if (v.kind != json::object) throw std::runtime_error("a JSON line must be an object");
  task_line t;
  bool has_cmd = false;
  auto want = [](const json& value, json::kind_t kind, const std::string& key) {
    if (value.kind != kind)
      throw std::runtime_error(quoted(key) + " is " + json::name_of(value.kind) + ", wanted " +
                               json::name_of(kind));
  };
  for (const auto& [key, value] : v.members) {
    if (key == "cmd") {
      want(value, json::string, key);
      t.cmd.text = value.s;
      has_cmd = true;
    } else if (key == "cwd") {
      want(value, json::string, key);
      t.cmd.cwd = value.s;
    } else if (key == "env") {
      want(value, json::object, key);
      for (const auto& [name, text] : value.members) {
        want(text, json::string, "env." + name);
        if (name.empty() || name.find('=') != std::string::npos)
          throw std::runtime_error("\"env\" has an invalid variable name " + quoted(name));
        t.cmd.env.emplace_back(name, text.s);
      }
    } else if (key == "retries") {
      want(value, json::number, key);
      long long n = 0;
      const std::string wanted = driver::read_whole(value.s, 0, max_retries, n);
      if (!wanted.empty())
        throw std::runtime_error("\"retries\" is " + value.s + ": wanted " + wanted);
      t.retries = static_cast<int>(n);
    } else if (key == "timeout") {  // seconds, or a duration as the flags write it
      if (value.kind != json::string) want(value, json::number, key);
      const std::string wanted =
          driver::read_duration(value.s, 0, true, max_timeout, t.cmd.timeout);
      if (!wanted.empty())
        throw std::runtime_error("\"timeout\" is " + driver::printable(value.s, 64) + ": wanted " +
                                 wanted);
    } else if (key == "tags") {
      want(value, json::array, key);
      for (const auto& tag : value.items) {
        want(tag, json::string, "tags[]");
        t.tags.push_back(tag.s);
      }
    } else {
      throw std::runtime_error("unknown key " + quoted(key) +
                               " (known: cmd, cwd, env, retries, timeout, tags)");
    }
  }
  if (!has_cmd) throw std::runtime_error("no \"cmd\"");
  if (t.cmd.text.find_first_not_of(" \t") == std::string::npos)
    throw std::runtime_error("\"cmd\" is empty");
  return t;
}

// One line of a task file (without its end of line) into `f`.
void read_line(task_file& f, const std::string& path, int number, std::string& line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto first = line.find_first_not_of(" \t");
  if (first == std::string::npos || line[first] == '#') return;
  try {
    if (line.find('\0') != std::string::npos) throw std::runtime_error("the line holds a NUL byte");
    task_line t;
    // JSON when it opens an object ("{" then a key or "}"); a shell group "{ cmd; }" is a command.
    const auto next = line.find_first_not_of(" \t", first + 1);
    const bool is_json =
        line[first] == '{' && (next == std::string::npos || line[next] == '"' || line[next] == '}');
    if (is_json) {
      t = task_of_json(json_reader(line).read_document());
    } else {
      t.cmd.text = line.substr(first);
    }
    t.cmd.line = number;
    f.tasks.push_back(std::move(t));
  } catch (const std::exception& e) {
    f.problems.push_back(path + ":" + std::to_string(number) + ": " + e.what());
  }
}

}  // namespace

task_file read_task_file(const std::string& path) {
  task_file f;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    f.failure = path + ": cannot be read: " + std::strerror(errno);
    return f;
  }
  std::string line;
  std::size_t length = 0;  // of the line so far; past the limit it is counted, not kept
  int number = 0;
  const auto end_line = [&] {
    ++number;
    if (length > max_line_bytes) {
      f.problems.push_back(path + ":" + std::to_string(number) + ": the line is " +
                           std::to_string(length) + " bytes long; the limit is " +
                           std::to_string(max_line_bytes) + " (64 KiB)");
    } else {
      read_line(f, path, number, line);
    }
    line.clear();
    length = 0;
  };
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      f.failure = path + ": cannot be read" +
                  (number > 0 ? " after line " + std::to_string(number) : std::string()) + ": " +
                  std::strerror(errno);
      break;
    }
    if (got == 0) {
      if (length > 0) end_line();  // the last line has no end of line
      break;
    }
    const char* at = buffer;
    const char* const end = buffer + got;
    while (at < end) {
      const char* nl = static_cast<const char*>(std::memchr(at, '\n', end - at));
      const std::size_t piece = (nl ? nl : end) - at;
      if (length + piece <= max_line_bytes) line.append(at, piece);
      length += piece;
      if (!nl) break;
      at = nl + 1;
      end_line();
    }
  }
  ::close(fd);
  return f;
}

}  // namespace farm
