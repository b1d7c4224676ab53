// SPDX-License-Identifier: MIT
// Part of taskhub.
// taskhub-farm: runs the shell commands of a task file across the engines, with the outcome of
// every command in the HDF5 journal, so a stopped farm resumes where it stopped.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <taskhub/taskhub.hpp>
#include <vector>

#include "../common/parse.hpp"
#include "../common/terminal.hpp"
#include "command.hpp"
#include "task_file.hpp"

namespace {

constexpr const char* usage =
    "usage: taskhub-farm [options] TASKFILE [--taskhub-... flags]\n"
    "  TASKFILE             one shell command per line, or JSON lines with cmd, cwd, env,\n"
    "                       retries, timeout, tags; blank lines and # comments are skipped;\n"
    "                       a line holds at most 64 KiB\n"
    "  --journal=PATH       the HDF5 journal (default: TASKFILE.journal.h5)\n"
    "  --resume             skip tasks an earlier run of this journal finished\n"
    "  --retry-failed       resume, and run the tasks that failed again\n"
    "  --skip-bad           run the good lines of a task file with bad ones (each is reported)\n"
    "  --retries=N          retries of a failed command on another engine, 0 to 1000 (default 0)\n"
    "  --timeout=DURATION   end a command that runs longer (default: none)\n"
    "  --kill-grace=DURATION  from SIGTERM to SIGKILL, for a command that timed out and for\n"
    "                       processes a command left running (default 5s)\n"
    "  --output=DIR         keep each command's whole output in DIR/LINE.out and DIR/LINE.err\n"
    "  --progress=WHEN      auto (default): one live line when the user sees a terminal (this\n"
    "                       program's stderr, or mpirun's when mpirun was started from one),\n"
    "                       else a line per interval; always: the live line; never: none;\n"
    "                       or a DURATION: lines at that interval\n"
    "  --progress-every=DURATION  the interval of progress lines (default 10s)\n"
    "  --help, --version    print this or the version, and exit\n"
    "DURATION: seconds (90, 0.5), with a unit (90s, 1.5m, 2h), or M:SS or H:MM:SS (1:30).\n"
    "Exit status: 0 every command succeeded; 1 a command failed (or the run did: a taskhub: line\n"
    "says why); 2 refused: a bad option or task file, nothing ran and no journal was touched.\n";

struct settings {
  std::string task_file, journal, output_dir;
  std::string problem;  // the first thing wrong with the arguments, as one line
  bool is_help = false, is_version = false;
  bool is_resume = false, is_retry_failed = false, is_skipping_bad = false;
  int retries = 0;
  double timeout = 0, progress = 10, kill_grace = 5;
  enum class progress_style { automatic, live, lines, none };
  progress_style progress_as = progress_style::automatic;
};

bool starts_with(const char* s, const char* prefix) {
  return std::strncmp(s, prefix, std::strlen(prefix)) == 0;
}

// The flags that take a value, and what it is.
const char* value_of_flag(const std::string& name) {
  if (name == "--journal") return "PATH";
  if (name == "--output") return "DIR";
  if (name == "--retries") return "N";
  if (name == "--timeout" || name == "--kill-grace" || name == "--progress-every") return "DURATION";
  if (name == "--progress") return "auto|always|never|DURATION";
  return nullptr;
}

// Reads the value of the flag `name` into `s`.
void read_value(settings& s, const std::string& name, const std::string& value) {
  std::string wanted;
  if (name == "--journal" || name == "--output") {
    if (value.empty()) wanted = "a path";
    (name == "--journal" ? s.journal : s.output_dir) = value;
  } else if (name == "--retries") {
    long long n = 0;
    wanted = driver::read_whole(value, 0, farm::max_retries, n);
    s.retries = static_cast<int>(n);
  } else if (name == "--timeout") {
    wanted = driver::read_duration(value, 0, true, farm::max_timeout, s.timeout);
  } else if (name == "--kill-grace") {
    wanted = driver::read_duration(value, 0, false, 3600, s.kill_grace);
  } else if (name == "--progress-every") {
    wanted = driver::read_duration(value, 0.1, false, farm::max_timeout, s.progress);
  } else if (name == "--progress") {
    using mode = settings::progress_style;
    if (value == "auto") {
      s.progress_as = mode::automatic;
    } else if (value == "always") {
      s.progress_as = mode::live;
    } else if (value == "never") {
      s.progress_as = mode::none;
    } else {
      s.progress_as = mode::lines;
      wanted = driver::read_duration(value, 0.1, false, farm::max_timeout, s.progress);
      if (!wanted.empty()) wanted = "auto, always, never or " + wanted;
    }
  }
  if (!wanted.empty() && s.problem.empty()) s.problem = name + "=" + value + ": wanted " + wanted;
}

settings parse(int argc, char** argv) {
  settings s;
  bool is_option_end = false;
  auto problem = [&](const std::string& what) {
    if (s.problem.empty()) s.problem = what;
  };
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* eq = std::strchr(a, '=');
    const std::string name = eq ? std::string(a, eq) : a;
    if (is_option_end || a[0] != '-' || a[1] == '\0') {
      if (s.task_file.empty()) {
        s.task_file = a;
      } else {
        problem(std::string("more than one task file: ") + s.task_file + " and " + a);
      }
    } else if (!std::strcmp(a, "--")) {
      is_option_end = true;
    } else if (starts_with(a, "--taskhub-")) {  // taskhub::run reads these
    } else if (!std::strcmp(a, "--help") || !std::strcmp(a, "-h")) {
      s.is_help = true;
    } else if (!std::strcmp(a, "--version")) {
      s.is_version = true;
    } else if (name == "--resume" || name == "--retry-failed" || name == "--skip-bad") {
      if (eq) problem(name + " takes no value");
      s.is_resume |= name != "--skip-bad";
      s.is_retry_failed |= name == "--retry-failed";
      s.is_skipping_bad |= name == "--skip-bad";
    } else if (const char* what = value_of_flag(name)) {
      if (eq) {
        read_value(s, name, eq + 1);
      } else {
        problem(name + " needs a value: " + name + "=" + what);
      }
    } else {
      problem(std::string("unknown option ") + a + " (taskhub-farm --help lists the options)");
    }
  }
  if (s.task_file.empty()) problem("no task file (taskhub-farm --help says how to call it)");
  if (s.journal.empty()) s.journal = s.task_file + ".journal.h5";
  return s;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string duration_text(double s) {
  char text[32];
  if (s < 120) {
    std::snprintf(text, sizeof text, "%.0fs", s);
  } else if (s < 7200) {
    std::snprintf(text, sizeof text, "%.0fm%02.0fs", std::floor(s / 60), std::fmod(s, 60));
  } else {
    std::snprintf(text, sizeof text, "%.0fh%02.0fm", std::floor(s / 3600), std::fmod(s / 60, 60));
  }
  return text;
}

// One line to print: "taskhub-farm: " and `text`, escaped and cut to a bounded length.
std::string line(const std::string& text) {
  return "taskhub-farm: " + driver::printable(text, 1024) + "\n";
}

// What the arguments and the task file say before anything runs: whether the run goes ahead, and
// what rank 0 prints first (or instead).
struct verdict {
  bool is_run = true;
  int code = 0;  // the exit code when the run does not go ahead
  std::string out, err;
};

// Checks the arguments and the task file before the run starts, on every rank (they read the
// same files): a typing error must not replace the journal of a campaign, so a run that fails
// here starts without one.
verdict check(const settings& s, farm::task_file& file) {
  verdict v;
  if (s.is_help || s.is_version) {
    v.is_run = false;
    v.out = s.is_help ? usage : "taskhub-farm " TASKHUB_VERSION "\n";
    return v;
  }
  auto refuse = [&](const std::string& why) {
    v.is_run = false;
    v.code = 2;
    v.err += line(why);
    return v;
  };
  if (!s.problem.empty()) return refuse(s.problem);
  struct stat st {};
  if (::stat(s.journal.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return refuse("the journal " + s.journal + " is a directory");
  file = farm::read_task_file(s.task_file);
  if (!file.failure.empty()) return refuse(file.failure);
  for (const auto& p : file.problems) v.err += line(p);
  if (!file.problems.empty() && (!s.is_skipping_bad || file.tasks.empty())) {
    return refuse(std::to_string(file.problems.size()) + " bad line(s) in " + s.task_file +
                  "; nothing ran" + (s.is_skipping_bad ? "" : " (--skip-bad runs the good ones)"));
  }
  if (!s.output_dir.empty()) {
    ::mkdir(s.output_dir.c_str(), 0755);
    if (::stat(s.output_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return refuse("--output=" + s.output_dir + " is not a directory");
  }
  return v;
}

int farm_main(taskhub::hub& hub, const settings& s, farm::task_file& file) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<taskhub::future<std::string>> futures;
  futures.reserve(file.tasks.size());
  for (auto& t : file.tasks) {
    taskhub::task_options opts;
    // A command's failure seldom depends on its engine: retries may run where it failed.
    opts.retries(t.retries >= 0 ? t.retries : s.retries).retries_anywhere();
    if (!t.tags.empty()) opts.require_tags(t.tags);
    opts.journal_key(farm::identity(t.cmd)).label(farm::label_of(t.cmd));
    futures.push_back(hub.with(opts).apply<&farm::run_command>(t.cmd));
  }

  using mode = settings::progress_style;
  const bool is_terminal =
      s.progress_as == mode::live ||
      (s.progress_as == mode::automatic && driver::is_seen_on_terminal(STDERR_FILENO));
  const double interval = s.progress_as == mode::none ? farm::max_timeout
                          : is_terminal                 ? 0.25
                                                        : s.progress;
  std::size_t finished = 0, failed = 0, first_pending = 0;
  auto count = [&] {
    finished = failed = 0;
    for (const auto& f : futures) {
      finished += f.ready() ? 1 : 0;
      failed += f.failed() ? 1 : 0;
    }
  };
  auto progress_line = [&](bool is_last) {
    int running = 0;
    for (const auto& [rank, c] : hub.counts()) running += c.running > 0 ? 1 : 0;  // one at a time
    const double elapsed = seconds_since(start);
    const double rate = elapsed > 0 ? static_cast<double>(finished) / elapsed : 0;
    const std::size_t left = futures.size() - finished;
    const std::string eta = rate > 0 ? duration_text(static_cast<double>(left) / rate) : "?";
    std::fprintf(stderr, "%staskhub-farm: %zu/%zu done, %zu failed, %d running, %.1f/s, ETA %s%s",
                 is_terminal ? "\r" : "", finished - failed, futures.size(), failed, running, rate,
                 eta.c_str(), is_terminal && !is_last ? "\033[K" : "\n");
    std::fflush(stderr);
  };
  auto next_line = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                               std::chrono::duration<double>(interval));
  for (;;) {
    while (first_pending < futures.size() && futures[first_pending].ready()) ++first_pending;
    if (first_pending == futures.size()) break;
    futures[first_pending].wait_for(next_line - std::chrono::steady_clock::now());
    if (std::chrono::steady_clock::now() >= next_line) {
      count();
      if (s.progress_as != mode::none) progress_line(false);
      next_line += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(interval));
    }
  }
  count();
  if (is_terminal) progress_line(true);

  std::size_t restored = 0;
  for (const auto& r : hub.records()) restored += r.restored ? 1 : 0;
  const double wall = seconds_since(start);
  for (std::size_t i = 0; i < futures.size(); ++i) {
    if (!futures[i].failed()) continue;
    const auto& t = file.tasks[i];
    const std::string where =
        driver::printable(s.task_file, 256) + ":" + std::to_string(t.cmd.line);
    std::fprintf(stderr, "taskhub-farm: failed: %s: %s: %s\n", where.c_str(),
                 driver::printable(t.cmd.text, 200).c_str(),
                 driver::printable(futures[i].error().message(), 600).c_str());
  }
  std::printf(
      "taskhub-farm: %zu tasks: %zu done, %zu failed (%zu answered from the journal) in %.2f s, "
      "%.1f tasks/s; journal %s\n",
      futures.size(), futures.size() - failed, failed, restored, wall,
      static_cast<double>(futures.size() - restored) / std::max(wall, 1e-9),
      driver::printable(s.journal, 256).c_str());
  return failed > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const settings s = parse(argc, argv);
  farm::task_file file;
  const verdict v = check(s, file);
  farm::settings().output_dir = s.output_dir;
  farm::settings().timeout = s.timeout;
  farm::settings().kill_grace = s.kill_grace;
  taskhub::run_options opts;
  std::vector<char*> args(argv, argv + argc);
  if (v.is_run) {
    opts.journal = s.journal;
    opts.resume = s.is_resume;
    opts.retry_failed = s.is_retry_failed;
    // A command's journal identity is its text, which a rebuilt farm runs the same.
    opts.accept_rebuild = true;
  } else {  // no journal at all, not even one named by taskhub's own flags
    ::unsetenv("TASKHUB_JOURNAL");
    args.erase(std::remove_if(args.begin() + 1, args.end(),
                              [](const char* a) { return starts_with(a, "--taskhub-journal"); }),
               args.end());
  }
  args.push_back(nullptr);
  return taskhub::run(
      static_cast<int>(args.size()) - 1, args.data(),
      [&](taskhub::hub& hub) {
        std::fputs(v.out.c_str(), stdout);
        std::fputs(v.err.c_str(), stderr);  // the refusal, or the lines --skip-bad skipped
        return v.is_run ? farm_main(hub, s, file) : v.code;
      },
      opts);
}
