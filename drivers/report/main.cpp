// SPDX-License-Identifier: MIT
// Part of taskhub.
// taskhub-report: what a task journal (doc/journal.md) says about a run: tasks by final state,
// failures, the slowest tasks, engine utilisation, the speed-up, and a timeline picture.
//
//   taskhub-report JOURNAL [--run=N | --all-runs] [--top=N] [--json] [--svg=FILE]
//
// Exit status: 0; 1 when the output cannot be written; 2 for bad arguments, or a file that is
// not a readable journal; 3 when the report of a readable journal failed (out of memory, say).

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "facts.hpp"
#include "journal_reader.hpp"

namespace {

using namespace taskhub_report;

const char* const usage =
    "usage: taskhub-report JOURNAL [--run=N | --all-runs] [--top=N] [--json] [--svg=FILE]\n"
    "  --run=N     detail run N (default: the latest run)\n"
    "  --all-runs  detail every run\n"
    "  --top=N     list the N slowest tasks (default 10)\n"
    "  --json      print one JSON object instead of text\n"
    "  --svg=FILE  also draw a timeline of the attempts on each engine to FILE\n"
    "  --help, --version  print this or the version, and exit\n"
    "exit status: 0 done; 1 the output cannot be written; 2 a bad argument, or a file that is\n"
    "  not a readable journal; 3 the report of a readable journal failed (out of memory, say)\n";

// Exit codes, as the usage text says.
constexpr int exit_unwritten = 1, exit_refused = 2, exit_failed = 3;

// One line on stderr, whatever `what` holds (a file name, text from the file).
int complain(int code, const std::string& what) {
  std::fprintf(stderr, "taskhub-report: %s\n", printable(what, false).c_str());
  return code;
}

int bad_usage(const std::string& what) {
  complain(exit_refused, what);
  std::fprintf(stderr, "%s", usage);
  return exit_refused;
}

// A whole decimal number, or false.
bool parse_count(const char* text, unsigned long& out) {
  if (!*text || *text == '-' || *text == '+') return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtoul(text, &end, 10);
  return errno == 0 && *end == '\0';
}

int report_main(int argc, char** argv) {
  std::string path, svg;
  bool is_json = false, has_path = false;
  selection sel;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    unsigned long n = 0;
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", usage);
      return 0;
    } else if (arg == "--version") {
      std::printf("taskhub-report %s\n", TASKHUB_VERSION);
      return 0;
    } else if (arg == "--json") {
      is_json = true;
    } else if (arg == "--all-runs") {
      sel.runs = selection::which::all;
    } else if (arg.rfind("--run=", 0) == 0) {
      if (!parse_count(argv[i] + 6, n) || n == 0 || n > 0xffffffffUL) {
        return bad_usage("--run wants a run number (1, 2, ...), not '" + arg.substr(6) + "'");
      }
      sel.runs = selection::which::one;
      sel.run = static_cast<std::uint32_t>(n);
    } else if (arg.rfind("--top=", 0) == 0) {
      if (!parse_count(argv[i] + 6, n))
        return bad_usage("--top wants a count, not '" + arg.substr(6) + "'");
      sel.top = n;
    } else if (arg.rfind("--svg=", 0) == 0 && arg.size() > 6) {
      svg = arg.substr(6);
    } else if (arg.size() > 1 && arg[0] == '-') {
      return bad_usage("unknown option '" + arg + "'");
    } else if (has_path) {
      return bad_usage("one journal at a time ('" + path + "' and '" + arg + "')");
    } else {
      path = arg;
      has_path = true;
    }
  }
  if (!has_path) return bad_usage("which journal?");

  report r;
  try {
    r = analyse(read_journal(path), path, sel);
  } catch (const journal_error& e) {
    return complain(exit_refused, path + ": " + e.what());
  } catch (const std::bad_alloc&) {
    return complain(exit_failed, path + ": out of memory");
  }
  if (is_json) {
    print_json(r, stdout);
  } else {
    // Error texts hold whatever a task's stderr said: control bytes are shown, not obeyed.
    char* buffer = nullptr;
    std::size_t size = 0;
    if (std::FILE* text = open_memstream(&buffer, &size)) {
      print_text(r, text);
      std::fclose(text);
      const std::string shown = printable(std::string(buffer, size));
      std::free(buffer);
      std::fwrite(shown.data(), 1, shown.size(), stdout);
    }
  }
  if (!svg.empty()) {
    if (!write_svg(r, svg))
      return complain(exit_unwritten, svg + ": cannot write: " + std::strerror(errno));
    if (!is_json) {
      std::printf("\ntimeline of %s drawn to %s\n", focus_name(r).c_str(),
                  printable(svg, false).c_str());
    }
  }
  return std::fflush(stdout) == 0 && !std::ferror(stdout) ? 0 : exit_unwritten;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return report_main(argc, argv);
  } catch (const std::bad_alloc&) {
    return complain(exit_failed, "out of memory");
  } catch (const std::exception& e) {
    return complain(exit_failed, std::string("failed: ") + e.what());
  } catch (...) {
    return complain(exit_failed, "failed");
  }
}
