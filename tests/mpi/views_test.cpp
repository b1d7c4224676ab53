// SPDX-License-Identifier: MIT
// Part of taskhub.
// The views IPython parallel users expect: a load-balanced view of chosen engines, scatter and
// gather with flatten, push and pull of several names at once, and clearing engines' values.
#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "fixture.hpp"

namespace views_test {

using taskhub::task_options;
using taskhub_test::failure_type;

class views : public taskhub_test::hub_test {
 protected:
  // Every other engine (the second, fourth, ...), or the only one.
  std::vector<int> chosen() const {
    const auto& all = hub.engines();
    if (all.size() == 1) return all;
    std::vector<int> out;
    for (std::size_t i = 1; i < all.size(); i += 2) out.push_back(all[i]);
    return out;
  }
  static bool has(const std::vector<int>& ranks, int r) {
    return std::find(ranks.begin(), ranks.end(), r) != ranks.end();
  }
};

int which_engine() { return taskhub::engine::rank(); }
int which_engine_of(int) { return taskhub::engine::rank(); }
int fail_unless_on(int rank) {
  if (taskhub::engine::rank() != rank) throw std::runtime_error("not on " + std::to_string(rank));
  return rank;
}
// Submits from inside a task, through a view of `rank` alone; where that task ran.
int inner_on(int rank) {
  return taskhub::engine::hub().load_balanced_view({rank}).apply<&which_engine>().get();
}
int read_int(std::string name) { return taskhub::engine::get<int>(name); }
std::size_t part_size(std::string name) {
  return taskhub::engine::get<std::vector<int>>(name).size();
}

TEST_F(views, a_restricted_view_runs_only_on_its_engines) {
  const auto ranks = chosen();
  auto lb = hub.load_balanced_view(ranks);
  EXPECT_EQ(lb.options().targets(), ranks);
  std::vector<taskhub::future<int>> fs;
  for (int i = 0; i < 60; ++i) fs.push_back(lb.apply<&which_engine>());
  std::vector<int> seen;
  for (auto& f : fs) {
    const int r = f.get();
    EXPECT_EQ(f.engine(), r);
    EXPECT_TRUE(has(ranks, r)) << "ran on engine " << r;
    if (!has(seen, r)) seen.push_back(r);
  }
  EXPECT_FALSE(seen.empty());
}

TEST_F(views, a_direct_view_gives_a_load_balanced_view_of_the_same_engines) {
  const auto ranks = chosen();
  auto lb = hub.view(ranks).load_balanced(task_options().priority(1));
  EXPECT_EQ(lb.options().targets(), ranks);
  EXPECT_EQ(lb.options().priority(), 1);
  for (int i = 0; i < 30; ++i) {
    auto f = lb.apply<&which_engine>();
    EXPECT_TRUE(has(ranks, f.get()));
    EXPECT_TRUE(has(ranks, f.engine()));
  }
}

TEST_F(views, map_on_a_restricted_view_runs_only_on_its_engines) {
  const auto ranks = chosen();
  std::vector<int> xs(200);
  std::iota(xs.begin(), xs.end(), 0);
  auto m = hub.load_balanced_view(ranks).map<&which_engine_of>(xs);
  std::size_t n = 0;
  for (int r : m) {
    EXPECT_TRUE(has(ranks, r)) << "item " << n << " ran on engine " << r;
    ++n;
  }
  EXPECT_EQ(n, xs.size());
}

TEST_F(views, hostile_engine_lists_fail_at_view_creation) {
  const auto& all = hub.all_engines();
  EXPECT_THROW(hub.load_balanced_view({}), taskhub::error);
  try {
    hub.load_balanced_view({0});
    ADD_FAILURE() << "rank 0 was accepted";
  } catch (const taskhub::error& e) {
    EXPECT_NE(std::string(e.what()).find("rank 0 runs the hub"), std::string::npos) << e.what();
  }
  EXPECT_THROW(hub.load_balanced_view({all.back() + 1}), taskhub::error);
  EXPECT_THROW(hub.load_balanced_view({all.front(), -1}), taskhub::error);
  EXPECT_THROW(hub.with(task_options().targets({all.back() + 7})), taskhub::error);
  EXPECT_THROW(hub.view(std::vector<int>{}).load_balanced(), taskhub::error);
  // Repeats are harmless.
  EXPECT_EQ(hub.load_balanced_view({all.front(), all.front()}).options().targets(),
            std::vector<int>{all.front()});
}

TEST_F(views, retries_go_only_to_untried_engines_of_the_view) {
  const auto& all = hub.engines();
  if (all.size() < 2) GTEST_SKIP() << "needs two engines";
  const std::vector<int> two{all[0], all[1]};
  // Fails on the first engine it may meet; the one retry goes to the other engine of the view.
  auto lb = hub.load_balanced_view(two, task_options().retries(1));
  for (int target : two) {
    auto f = lb.apply<&fail_unless_on>(target);
    EXPECT_EQ(f.get(), target);
    EXPECT_EQ(f.engine(), target);
  }
  // Fails everywhere: after both engines of the view, no engine is left, whatever the retries.
  auto f = hub.load_balanced_view(two, task_options().retries(5)).apply<&fail_unless_on>(-1);
  EXPECT_EQ(failure_type(f), taskhub::failure::impossible_dependency);
  const auto r = hub.record(f.id());
  EXPECT_EQ(r.retries_used, 1);
  const std::string why = f.error().message();
  EXPECT_NE(why.find("failed on every engine it may run on"), std::string::npos) << why;
  EXPECT_TRUE(has(two, f.engine()));
}

TEST_F(views, tags_narrow_a_restricted_view_further) {
  const auto& all = hub.engines();
  std::vector<int> odd, even;
  for (int r : all) (r % 2 == 0 ? even : odd).push_back(r);  // main.cpp tags even ranks "even"
  if (odd.empty() || even.empty()) GTEST_SKIP() << "needs an odd and an even engine";
  const std::vector<int> both{odd.front(), even.front()};
  auto lb = hub.load_balanced_view(both, task_options().require_tags({"even"}));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(lb.apply<&which_engine>().get(), even.front());
  auto never = hub.load_balanced_view({odd.front()}, task_options().require_tags({"even"}))
                   .apply<&which_engine>();
  EXPECT_EQ(failure_type(never), taskhub::failure::impossible_dependency);
  const std::string why = never.error().message();
  EXPECT_NE(why.find("it may run only on engines " + std::to_string(odd.front())),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("'even'"), std::string::npos) << why;
}

TEST_F(views, follow_must_land_inside_the_view) {
  const auto& all = hub.engines();
  if (all.size() < 2) GTEST_SKIP() << "needs two engines";
  auto parent = hub.load_balanced_view({all[0]}).apply<&which_engine>();
  EXPECT_EQ(parent.get(), all[0]);
  const auto follow = task_options().follow(taskhub::dependency(parent));
  auto inside = hub.load_balanced_view({all[1], all[0]}, follow).apply<&which_engine>();
  EXPECT_EQ(inside.get(), all[0]);
  auto outside = hub.load_balanced_view({all[1]}, follow).apply<&which_engine>();
  EXPECT_EQ(failure_type(outside), taskhub::failure::impossible_dependency);
}

TEST_F(views, tasks_submitted_by_tasks_keep_the_restriction) {
  const auto& all = hub.engines();
  for (int i = 0; i < 12; ++i) {
    const int target = all[static_cast<std::size_t>(i) % all.size()];
    EXPECT_EQ(hub.apply<&inner_on>(target).get(), target);
  }
}

TEST_F(views, scatter_with_flatten_stores_single_elements_as_elements) {
  auto view = hub.all();
  const std::size_t n = engine_count();
  std::vector<int> xs(n + 1);  // uneven: the first engine gets two, the others one
  std::iota(xs.begin(), xs.end(), 10);
  view.scatter("flat", xs, taskhub::flatten).wait();
  EXPECT_EQ(hub.view(view.engines().front()).pull<std::vector<int>>("flat").get().front(),
            (std::vector<int>{10, 11}));
  for (std::size_t i = 1; i < n; ++i) {
    auto one = hub.view(view.engines()[i]);
    EXPECT_EQ(one.pull<int>("flat").get().front(), static_cast<int>(11 + i));
    EXPECT_EQ(one.apply<&read_int>(std::string("flat")).get().front(), static_cast<int>(11 + i));
  }
  EXPECT_EQ(view.gather<int>("flat", taskhub::flatten), xs);

  // Fewer values than engines: the engines past them get empty vectors.
  const std::vector<int> few{7};
  view.scatter("few", few, taskhub::flatten).wait();
  EXPECT_EQ(view.gather<int>("few", taskhub::flatten), few);
  if (n > 1) {
    EXPECT_EQ(hub.view(view.engines().back()).apply<&part_size>(std::string("few")).get().front(),
              0u);
  }

  // Without flatten every part is a vector, also of one element.
  view.scatter("plain", xs).wait();
  for (std::size_t s : view.apply<&part_size>(std::string("plain")).get()) EXPECT_GE(s, 1u);
  EXPECT_EQ(view.gather<int>("plain", taskhub::flatten), xs);
  EXPECT_EQ(view.gather<int>("plain"), xs);
}

TEST_F(views, flatten_works_for_values_that_are_not_plain_bytes) {
  auto view = hub.all();
  std::vector<std::string> words;
  for (std::size_t i = 0; i < 2 * engine_count() + 1; ++i) words.push_back("w" + std::to_string(i));
  view.scatter("words", words, taskhub::flatten).wait();
  EXPECT_EQ(view.gather<std::string>("words", taskhub::flatten), words);
  std::vector<std::string> one_each(engine_count(), "x");
  view.scatter("ones", one_each, taskhub::flatten).wait();
  for (const auto& w : view.pull<std::string>("ones").get()) EXPECT_EQ(w, "x");
  EXPECT_EQ(view.gather<std::string>("ones", taskhub::flatten), one_each);
}

TEST_F(views, gather_with_flatten_rejects_a_value_of_another_type) {
  hub.all().push("a double", 2.5).wait();
  EXPECT_THROW(hub.all().gather<int>("a double", taskhub::flatten), taskhub::error);
  EXPECT_EQ(hub.all().gather<double>("a double", taskhub::flatten),
            std::vector<double>(engine_count(), 2.5));
}

TEST_F(views, push_and_pull_several_names_in_one_task_per_engine) {
  auto view = hub.all();
  const std::vector<double> ys{1.5, 2.5};
  auto pushed = view.push("a", 1, "b", std::string("two"), "c", ys);
  EXPECT_EQ(pushed.size(), engine_count());
  pushed.get();
  auto pulled = view.pull<int, std::string, std::vector<double>>({"a", "b", "c"});
  EXPECT_EQ(pulled.size(), engine_count());
  for (const auto& [a, b, c] : pulled.get()) {
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, "two");
    EXPECT_EQ(c, ys);
  }
  view.push(std::map<std::string, int>{{"x", 3}, {"y", 4}}).get();
  for (const auto& [x, y] : view.pull<int, int>({"x", "y"}).get()) {
    EXPECT_EQ(x, 3);
    EXPECT_EQ(y, 4);
  }
  for (int a : view.apply<&read_int>(std::string("a")).get()) EXPECT_EQ(a, 1);
  EXPECT_THROW((view.pull<int, int>({"x"})), taskhub::error);
  try {
    view.pull<int, int>({"x", "nowhere"}).get();
    ADD_FAILURE() << "a missing name was pulled";
  } catch (const taskhub::remote_error& e) {
    EXPECT_NE(std::string(e.what()).find("no value named 'nowhere'"), std::string::npos)
        << e.what();
  }
}

TEST_F(views, clear_removes_values_and_a_later_pull_names_the_missing_one) {
  auto view = hub.all();
  view.push("keep", 1, "drop", 2).get();
  view.clear("drop").get();
  view.clear("never there").get();  // not an error
  for (int k : view.pull<int>("keep").get()) EXPECT_EQ(k, 1);
  try {
    view.pull<int>("drop").get();
    ADD_FAILURE() << "a cleared name was pulled";
  } catch (const taskhub::remote_error& e) {
    EXPECT_NE(std::string(e.what()).find("no value named 'drop'"), std::string::npos) << e.what();
  }
  view.clear().get();
  EXPECT_THROW(view.pull<int>("keep").get(), taskhub::remote_error);
  EXPECT_THROW(view.apply<&read_int>(std::string("keep")).get(), taskhub::remote_error);
}

TEST_F(views, clear_leaves_engines_outside_the_view_alone) {
  const auto& all = hub.engines();
  if (all.size() < 2) GTEST_SKIP() << "needs two engines";
  hub.all().push("v", 5).get();
  hub.view(all.front()).clear().get();
  EXPECT_THROW(hub.view(all.front()).pull<int>("v").get(), taskhub::remote_error);
  for (int v : hub.view(std::vector<int>(all.begin() + 1, all.end())).pull<int>("v").get())
    EXPECT_EQ(v, 5);
}

}  // namespace views_test
