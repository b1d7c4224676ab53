// SPDX-License-Identifier: MIT
// Part of taskhub.
// What crosses to an engine and back: bitwise types by the rules or by a type's own say,
// Boost.Serialization types by member, by a free function in their namespace, or declared
// serializable; compile-time rules checked on the traits (the refusals are tests/compile_fail).
#include <array>
#include <complex>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fixture.hpp"

namespace shipping_test {

struct point {  // bitwise by its author's say
  double x, y;
};
struct label {  // trivially copyable, but holds a pointer: refused
  const char* text;
};
struct particle {  // through a serialize member
  point at;
  std::string name;
  std::vector<double> trail;
  template <class A>
  void serialize(A& a, unsigned) {
    a & at.x & at.y & name & trail;
  }
};
struct sample {  // through a free serialize beside it
  std::string tag;
  std::map<std::string, int> counts;
};
template <class A>
void serialize(A& a, sample& s, unsigned) {
  a & s.tag & s.counts;
}
enum class colour : std::uint8_t { red, green, blue };

}  // namespace shipping_test

namespace outside {  // serialize in boost::serialization, declared to taskhub by the trait
struct record {
  int id;
  std::string text;
};
}  // namespace outside
namespace boost::serialization {
template <class A>
void serialize(A& a, outside::record& r, unsigned) {
  a & r.id & r.text;
}
}  // namespace boost::serialization

template <>
struct taskhub::is_bitwise<shipping_test::point> : std::true_type {};
template <>
struct taskhub::is_serializable<outside::record> : std::true_type {};

namespace shipping_test {

using taskhub::detail::is_bitwise_v;
using taskhub::detail::is_shippable_v;
static_assert(is_bitwise_v<double> && is_bitwise_v<colour> && is_bitwise_v<std::array<int, 3>>);
static_assert(is_bitwise_v<std::optional<long>> && is_shippable_v<std::pair<int, point>>);
static_assert(is_shippable_v<std::optional<std::string>> && is_shippable_v<std::array<particle, 2>>);
static_assert(is_bitwise_v<std::complex<double>> && is_bitwise_v<point> && is_bitwise_v<int[4]>);
static_assert(!is_bitwise_v<label> && !is_shippable_v<label>);
static_assert(!is_shippable_v<std::string_view> && !is_shippable_v<const char*>);
static_assert(!is_shippable_v<std::vector<std::string_view>> && !is_shippable_v<std::pair<int, int*>>);
static_assert(!is_bitwise_v<particle> && is_shippable_v<particle> && is_shippable_v<sample>);
static_assert(is_shippable_v<outside::record> && is_shippable_v<std::map<std::string, particle>>);
// Inside a Boost.Serialization container, elements need Boost's own rules.
static_assert(!is_shippable_v<std::map<int, point>> && is_shippable_v<std::vector<std::optional<int>>>);

point mirror(point p) { return {p.y, p.x}; }
particle moved(particle p) {
  p.trail.push_back(p.at.x);
  p.at.x += 1;
  p.name += "'";
  return p;
}
sample counted(sample s) {
  ++s.counts[s.tag];
  return s;
}
outside::record stamped(outside::record r) {
  r.text += "#" + std::to_string(r.id);
  return r;
}
std::pair<colour, std::optional<long>> next_colour(colour c, std::array<int, 3> a) {
  return {static_cast<colour>((static_cast<int>(c) + 1) % 3), a[0] + a[1] + a[2]};
}
std::complex<double> squared(std::complex<double> z) { return z * z; }
std::optional<std::string> first_word(std::pair<std::string, std::optional<int>> p) {
  if (!p.second) return std::nullopt;
  return p.first.substr(0, static_cast<std::size_t>(*p.second));
}

using shipping = taskhub_test::hub_test;

TEST_F(shipping, bitwise_types_cross_by_their_rules_or_their_authors_say) {
  const auto p = hub.apply<&mirror>(point{1.5, -2}).get();
  EXPECT_EQ(p.x, -2);
  EXPECT_EQ(p.y, 1.5);
  const auto [c, sum] = hub.apply<&next_colour>(colour::blue, std::array<int, 3>{1, 2, 3}).get();
  EXPECT_EQ(c, colour::red);
  EXPECT_EQ(sum, 6);
  EXPECT_EQ(hub.apply<&squared>(std::complex<double>(0, 2)).get(), std::complex<double>(-4, 0));
}

TEST_F(shipping, pairs_optionals_and_arrays_of_any_shippable_type_cross_element_by_element) {
  using arg = std::pair<std::string, std::optional<int>>;
  EXPECT_EQ(hub.apply<&first_word>(arg{"hello world", 5}).get(), std::optional<std::string>("hello"));
  EXPECT_EQ(hub.apply<&first_word>(arg{"hello", std::nullopt}).get(), std::nullopt);
}

TEST_F(shipping, serializable_types_cross_by_member_free_function_or_declaration) {
  const auto p = hub.apply<&moved>(particle{{1, 2}, "p", {0.5}}).get();
  EXPECT_EQ(p.at.x, 2);
  EXPECT_EQ(p.name, "p'");
  EXPECT_EQ(p.trail, (std::vector<double>{0.5, 1}));
  const auto s = hub.apply<&counted>(sample{"a", {{"a", 2}, {"b", 5}}}).get();
  EXPECT_EQ(s.counts, (std::map<std::string, int>{{"a", 3}, {"b", 5}}));
  EXPECT_EQ(hub.apply<&stamped>(outside::record{7, "r"}).get().text, "r#7");
  // Many of them, on every engine: no value depends on the client's memory.
  std::vector<particle> many;
  for (int i = 0; i < 50; ++i) many.push_back(particle{{double(i), 0}, std::to_string(i), {}});
  const auto out = hub.map<&moved>(many).get();
  for (int i = 0; i < 50; ++i) EXPECT_EQ(out[static_cast<std::size_t>(i)].name, std::to_string(i) + "'");
}

}  // namespace shipping_test
