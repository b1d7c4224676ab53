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

#include "command.hpp"
#include "task_file.hpp"

namespace {

constexpr const char* usage =
    "usage: taskhub-farm [options] TASKFILE [--taskhub-... flags]\n"
    "  TASKFILE          one shell command per line, or JSON lines with cmd, cwd, env,\n"
    "                    retries, timeout, tags; blank lines and # comments are skipped\n"
    "  --journal=PATH    the HDF5 journal (default: TASKFILE.journal.h5)\n"
    "  --resume          skip tasks an earlier run of this journal finished\n"
    "  --retry-failed    resume, and run the tasks that failed again\n"
    "  --skip-bad        run the good lines of a task file with bad ones (each is reported)\n"
    "  --retries=N       retries of a failed command on another engine (default 0)\n"
    "  --timeout=SECONDS kill a command that runs longer (default: none)\n"
    "  --output=DIR      keep each command's whole output in DIR/LINE.out and DIR/LINE.err\n"
    "  --progress=SECONDS  interval of progress lines when stderr is not a terminal (default 10)\n";

struct settings {
  std::string task_file, journal, output_dir, problem;
  bool is_resume = false, is_retry_failed = false, is_skipping_bad = false;
  int retries = 0;
  double timeout = 0, progress = 10;
};

bool starts_with(const char* s, const char* prefix) {
  return std::strncmp(s, prefix, std::strlen(prefix)) == 0;
}

settings parse(int argc, char** argv) {
  settings s;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    const char* eq = std::strchr(a, '=');
    const std::string value = eq ? eq + 1 : "";
    if (starts_with(a, "--taskhub-")) continue;
    if (starts_with(a, "--journal=")) {
      s.journal = value;
    } else if (!std::strcmp(a, "--resume")) {
      s.is_resume = true;
    } else if (!std::strcmp(a, "--retry-failed")) {
      s.is_resume = s.is_retry_failed = true;
    } else if (!std::strcmp(a, "--skip-bad")) {
      s.is_skipping_bad = true;
    } else if (starts_with(a, "--retries=")) {
      s.retries = std::atoi(value.c_str());
    } else if (starts_with(a, "--timeout=")) {
      s.timeout = std::atof(value.c_str());
    } else if (starts_with(a, "--output=")) {
      s.output_dir = value;
    } else if (starts_with(a, "--progress=")) {
      s.progress = std::max(0.1, std::atof(value.c_str()));
    } else if (a[0] == '-' && a[1] != '\0') {
      s.problem = std::string("unknown option ") + a;
    } else if (s.task_file.empty()) {
      s.task_file = a;
    } else {
      s.problem = "more than one task file";
    }
  }
  if (s.task_file.empty() && s.problem.empty()) s.problem = "no task file";
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

// Checks the arguments and the task file before the run starts, on every rank (they read the
// same files): a typing error must not replace the journal of a campaign, so a run that fails
// here starts without one. What is wrong goes to `report`, for rank 0 to print.
int check(const settings& s, farm::task_file& file, std::string& report) {
  if (!s.problem.empty()) {
    report = "taskhub-farm: " + s.problem + "\n" + usage;
    return 2;
  }
  file = farm::read_task_file(s.task_file);
  for (const auto& p : file.problems) report += "taskhub-farm: " + p + "\n";
  if (!file.problems.empty() && (!s.is_skipping_bad || file.tasks.empty())) {
    report += "taskhub-farm: " + std::to_string(file.problems.size()) + " bad line(s) in " +
              s.task_file + "; nothing ran" + (s.is_skipping_bad ? "" : " (--skip-bad runs the good ones)") +
              "\n";
    return 2;
  }
  if (!s.output_dir.empty()) {
    ::mkdir(s.output_dir.c_str(), 0755);
    struct stat st {};
    if (::stat(s.output_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      report += "taskhub-farm: --output=" + s.output_dir + " is not a directory\n";
      return 2;
    }
  }
  return 0;
}

int farm_main(taskhub::hub& hub, const settings& s, farm::task_file& file) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<taskhub::future<std::string>> futures;
  futures.reserve(file.tasks.size());
  for (auto& t : file.tasks) {
    taskhub::task_options opts;
    opts.retries(t.retries >= 0 ? t.retries : s.retries);
    if (!t.tags.empty()) opts.require_tags(t.tags);
    opts.journal_key(farm::identity(t.cmd));
    futures.push_back(hub.with(opts).apply<&farm::run_command>(t.cmd));
  }

  const bool is_terminal = ::isatty(STDERR_FILENO);
  const double interval = is_terminal ? 0.25 : s.progress;
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
      progress_line(false);
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
    std::fprintf(stderr, "taskhub-farm: failed: %s:%d: %s: %s\n", s.task_file.c_str(), t.cmd.line,
                 t.cmd.text.c_str(), futures[i].error().message().c_str());
  }
  std::printf("taskhub-farm: %zu tasks: %zu done, %zu failed (%zu answered from the journal) in %.2f s, %.1f tasks/s; journal %s\n",
              futures.size(), futures.size() - failed, failed, restored, wall,
              static_cast<double>(futures.size() - restored) / std::max(wall, 1e-9), s.journal.c_str());
  return failed > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const settings s = parse(argc, argv);
  farm::task_file file;
  std::string report;
  const int refusal = check(s, file, report);
  farm::settings().output_dir = s.output_dir;
  farm::settings().timeout = s.timeout;
  taskhub::run_options opts;
  std::vector<char*> args(argv, argv + argc);
  if (refusal == 0) {
    opts.journal = s.journal;
    opts.resume = s.is_resume;
    opts.retry_failed = s.is_retry_failed;
  } else {  // no journal at all, not even one named by taskhub's own flags
    ::unsetenv("TASKHUB_JOURNAL");
    args.erase(std::remove_if(args.begin() + 1, args.end(),
                              [](const char* a) { return starts_with(a, "--taskhub-journal"); }),
               args.end());
  }
  args.push_back(nullptr);
  return taskhub::run(static_cast<int>(args.size()) - 1, args.data(), [&](taskhub::hub& hub) {
    if (refusal != 0) {
      std::fputs(report.c_str(), stderr);
      return refusal;
    }
    if (!report.empty()) std::fputs(report.c_str(), stderr);  // lines --skip-bad skipped
    return farm_main(hub, s, file);
  }, opts);
}
