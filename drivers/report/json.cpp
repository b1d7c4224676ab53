// SPDX-License-Identifier: MIT
// Part of taskhub.
// taskhub-report --json: the facts as one JSON object, for scripts.

#include <cmath>
#include <type_traits>

#include "facts.hpp"

namespace taskhub_report {

namespace {

// A JSON string: quotes, backslashes and control characters (C0, DEL and C1, which a terminal
// showing the JSON would obey) escaped, invalid UTF-8 replaced.
std::string quote(const std::string& text) {
  std::string out = "\"";
  const std::string valid = clean_utf8(text);
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const char c = valid[i];
    // U+0080 to U+009F are 0xc2 0x80 to 0xc2 0x9f: the second byte is the code point.
    const bool is_c1_here = is_c1(valid, i);
    const unsigned code = static_cast<unsigned char>(is_c1_here ? valid[++i] : c);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (is_c1_here || code < 0x20 || code == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", code);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A JSON number, exact when read back; null when undefined (JSON has no NaN).
std::string number(double x) {
  if (!std::isfinite(x)) return "null";
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", x);
  return text;
}

template <class T, class = std::enable_if_t<std::is_integral<T>::value>>
std::string number(T x) {
  return std::to_string(x);
}

// Builds `{"key": value, ...}` with the commas in the right places.
class object {
 public:
  object& add(const char* key, const std::string& json_value) {
    text_ += (text_.empty() ? "{" : ", ") + quote(key) + ": " + json_value;
    return *this;
  }
  std::string str() const { return text_.empty() ? "{}" : text_ + "}"; }

 private:
  std::string text_;
};

template <class T, class F>
std::string array(const std::vector<T>& items, F to_json) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + to_json(items[i]);
  return out + "]";
}

std::string engine_value(std::int32_t engine) {
  return engine < 0 ? "null" : std::to_string(engine);
}

std::string counts_json(const counts& c) {
  return object()
      .add("tasks", number(c.tasks))
      .add("done", number(c.done))
      .add("failed", number(c.failed))
      .add("cancelled", number(c.cancelled))
      .add("restored", number(c.restored))
      .add("unfinished", number(c.unfinished))
      .str();
}

// The task's label, or null.
std::string label_json(const report& r, std::uint32_t run, std::uint64_t id) {
  const auto label = r.labels.find({run, id});
  return label == r.labels.end() ? "null" : quote(label->second);
}

std::string attempt_json(const report& r, const attempt& a) {
  return object()
      .add("run", number(a.run))
      .add("id", number(a.id))
      .add("label", label_json(r, a.run, a.id))
      .add("function", quote(a.function))
      .add("engine", engine_value(a.engine))
      .add("host", quote(a.host))
      .add("state", quote(event_name(a.what)))
      .add("started", number(a.started))
      .add("completed", number(a.completed))
      .add("seconds", number(a.seconds()))
      .str();
}

}  // namespace

void print_json(const report& r, std::FILE* out) {
  const std::string runs = array(r.runs, [](const run_facts& f) {
    object o;
    o.add("run", number(f.info.run));
    if (f.has_row) {
      o.add("started", number(f.info.started))
          .add("engines", number(f.info.engines))
          .add("host", quote(f.info.host))
          .add("command", quote(f.info.command))
          .add("taskhub_version", quote(f.info.version));
    }
    return o.add("counts", counts_json(f.tasks)).str();
  });
  const std::string failures = array(r.failures, [&r](const failure& f) {
    return object()
        .add("run", number(f.run))
        .add("id", number(f.id))
        .add("label", label_json(r, f.run, f.id))
        .add("function", quote(f.function))
        .add("engine", engine_value(f.engine))
        .add("host", quote(f.host))
        .add("attempt", f.attempt ? number(f.attempt) : "null")
        .add("final", f.is_final ? "true" : "false")
        .add("type", quote(f.type))
        .add("message", quote(f.message))
        .str();
  });
  const std::string cancellations = array(r.cancellations, [](const cancellation& c) {
    return object()
        .add("type", quote(c.type))
        .add("tasks", number(c.tasks))
        .add("example", object()
                            .add("run", number(c.run))
                            .add("id", number(c.id))
                            .add("message", quote(c.message))
                            .str())
        .str();
  });
  const std::string usage = array(r.usage, [](const run_usage& u) {
    const std::string engines = array(u.engines, [](const engine_use& e) {
      return object()
          .add("rank", number(e.rank))
          .add("host", quote(e.host))
          .add("tasks", number(e.tasks))
          .add("busy", number(e.busy))
          .add("utilisation", number(e.utilisation))
          .str();
    });
    object o;
    o.add("run", number(u.run))
        .add("wall_start", number(u.wall_start))
        .add("wall_end", number(u.wall_end))
        .add("wall_span", number(u.wall_span))
        .add("engines", engines)
        .add("p", number(u.p))
        .add("total_busy", number(u.total_busy))
        .add("speedup", number(u.speedup))
        .add("efficiency", number(u.efficiency))
        .add("serial_fraction", number(u.serial_fraction));
    if (!u.undefined_because.empty())
      o.add("serial_fraction_undefined", quote(u.undefined_because));
    if (!u.graph.empty()) {
      o.add("graph", array(u.graph, [](const task_node& n) {
              return object()
                  .add("id", number(n.id))
                  .add("state", n.what == event::none ? "null" : quote(event_name(n.what)))
                  .add("depth", number(n.depth))
                  .add("parents", array(n.parents, [](std::uint64_t p) { return number(p); }))
                  .str();
            }));
    }
    return o.str();
  });
  const std::string text =
      object()
          .add("journal", quote(r.path))
          .add("swmr", r.is_swmr_open ? "true" : "false")
          .add("runs", runs)
          .add("total", counts_json(r.total))
          .add("focus", array(r.focus, [](std::uint32_t run) { return number(run); }))
          .add("failed_tasks", number(r.failed_tasks))
          .add("failures", failures)
          .add("restored_failures", number(r.restored_failures))
          .add("cancellations", cancellations)
          .add("top", number(r.top))
          .add("slowest", array(r.slowest, [&r](const attempt& a) { return attempt_json(r, a); }))
          .add("usage", usage)
          .str();
  std::fprintf(out, "%s\n", text.c_str());
}

}  // namespace taskhub_report
