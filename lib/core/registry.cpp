// SPDX-License-Identifier: MIT
// Part of taskhub.
// The table of shipped functions: registration, lookup, and the digest ranks compare.
#include "core/registry.hpp"
#include "core/voice.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace taskhub::detail {
namespace {

struct registry {
  std::mutex m;
  std::atomic<bool> is_frozen{false};
  std::unordered_map<std::uint64_t, handler_entry> by_id;
  std::string conflicts;
};

registry& the_registry() {
  static registry r;
  return r;
}

std::uint64_t fnv1a(const char* s, std::uint64_t h = 1469598103934665603ull) {
  for (; *s; ++s) {
    h ^= static_cast<unsigned char>(*s);
    h *= 1099511628211ull;
  }
  return h;
}

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> p(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                           std::free);
  return status == 0 && p ? std::string(p.get()) : std::string(mangled);
}

bool strip_wrapper(std::string& s, const std::string& prefix) {
  if (s.size() <= prefix.size() || s.compare(0, prefix.size(), prefix) != 0 || s.back() != '>')
    return false;
  s = s.substr(prefix.size(), s.size() - prefix.size() - 1);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return true;
}

// A demangled handler name made readable: "physics::step", "cube".
std::string readable_demangled(std::string s) {
  if (strip_wrapper(s, "taskhub::detail::function_handler<") ||
      strip_wrapper(s, "taskhub::detail::fn_tag<")) {
    if (!s.empty() && s.front() == '&') s.erase(0, 1);
    // A function with internal linkage demangles as "(name(params))".
    if (s.size() > 2 && s.front() == '(' && s.back() == ')') {
      s = s.substr(1, s.size() - 2);
      if (auto paren = s.find('('); paren != std::string::npos) s.erase(paren);
    }
    return s;
  }
  if (strip_wrapper(s, "taskhub::detail::object_handler<") ||
      strip_wrapper(s, "taskhub::detail::type_tag<"))
    return s;
  return s;
}

std::string readable(const std::string& stable_name) {
  std::string s = demangle(stable_name.c_str());
  const std::string abi_tag = "[abi:cxx11]";  // GCC's tag on functions returning std::string
  for (std::size_t at; (at = s.find(abi_tag)) != std::string::npos;) s.erase(at, abi_tag.size());
  return readable_demangled(std::move(s));
}

}  // namespace

std::uint64_t register_handler(const char* stable_name, const char* signature, invoke_fn invoke) {
  auto& r = the_registry();
  std::lock_guard<std::mutex> lock(r.m);
  const std::uint64_t id = fnv1a(signature, fnv1a("|", fnv1a(stable_name)));
  if (r.is_frozen.load()) {
    say_info("'%s' registered after start-up is ignored: the ranks have already "
                 "agreed on their tables\n", readable(stable_name).c_str());
    return id;
  }
  auto [it, is_new] = r.by_id.emplace(id, handler_entry{id, stable_name, invoke});
  if (!is_new && it->second.invoke != invoke && r.conflicts.empty()) {
    r.conflicts = it->second.stable_name == stable_name
                      ? "two different functions share the name '" + readable(stable_name) +
                            "' (static or anonymous-namespace functions in different translation "
                            "units?): rename one"
                      : "the names '" + readable(it->second.stable_name) + "' and '" +
                            readable(stable_name) + "' hash to the same id: rename one";
  }
  return id;
}

void freeze_handlers() { the_registry().is_frozen.store(true); }

const handler_entry* find_handler(std::uint64_t id) {
  auto& r = the_registry();
  auto find = [&]() -> const handler_entry* {
    auto it = r.by_id.find(id);
    return it == r.by_id.end() ? nullptr : &it->second;
  };
  if (r.is_frozen.load(std::memory_order_acquire)) return find();
  std::lock_guard<std::mutex> lock(r.m);
  return find();
}

table_digest handler_table_digest() {
  auto& r = the_registry();
  std::lock_guard<std::mutex> lock(r.m);
  std::vector<std::uint64_t> ids;
  for (const auto& e : r.by_id) ids.push_back(e.first);
  std::sort(ids.begin(), ids.end());
  std::uint64_t h = 1469598103934665603ull;
  for (auto id : ids) h = (h ^ id) * 1099511628211ull;
  return {h, ids.size()};
}

std::string handler_conflicts() {
  auto& r = the_registry();
  std::lock_guard<std::mutex> lock(r.m);
  return r.conflicts;
}

std::string handler_id_text(std::uint64_t id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(id));
  return buf;
}

std::string handler_name(std::uint64_t id) {
  if (const auto* e = find_handler(id)) return readable(e->stable_name);
  return "unknown function " + handler_id_text(id);
}

std::string exception_type_name(const std::exception& e) { return demangle(typeid(e).name()); }

}  // namespace taskhub::detail
