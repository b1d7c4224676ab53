// SPDX-License-Identifier: MIT
// Part of taskhub.
// Boost's binary input archive, with every length it reads checked against the bytes left, so a
// damaged or hostile payload cannot make a string or a collection allocate more than it holds.
#pragma once

#include <boost/archive/binary_iarchive_impl.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <boost/serialization/collection_size_type.hpp>
#include <cstddef>
#include <streambuf>
#include <string>

#include "taskhub/error.hpp"

namespace taskhub::detail {

/// Reads what boost::archive::binary_oarchive writes (the same format), from a streambuf whose
/// bytes are all there: a string length or an element count above the bytes left throws
/// decode_error before anything is allocated. (An element takes at least one byte, except for
/// empty classes: a collection of those is limited to the bytes left too.)
class bounded_iarchive
    : public boost::archive::binary_iarchive_impl<bounded_iarchive, char, std::char_traits<char>> {
  using impl = boost::archive::binary_iarchive_impl<bounded_iarchive, char, std::char_traits<char>>;

 public:
  bounded_iarchive(std::streambuf& sb, unsigned int flags) : impl(sb, flags), sb_(sb) {
    init(flags);
  }

  using impl::load;
  void load(std::string& s) {
    std::size_t n = 0;
    load(n);
    check(n, "a string");
    s.resize(n);
    if (n > 0) load_binary(&s[0], n);
  }
  template <class T>
  void load_override(T& t) {
    impl::load_override(t);
  }
  void load_override(boost::serialization::collection_size_type& t) {
    impl::load_override(t);
    check(t, "a collection");
  }

 private:
  void check(std::size_t n, const char* what) {
    const auto left = static_cast<std::size_t>(sb_.in_avail() < 0 ? 0 : sb_.in_avail());
    if (n > left)
      throw decode_error(std::string(what) + " of " + std::to_string(n) +
                         " claims more than the " + std::to_string(left) + " bytes left");
  }

  friend class boost::archive::detail::interface_iarchive<bounded_iarchive>;
  friend class boost::archive::basic_binary_iarchive<bounded_iarchive>;
  friend class boost::archive::basic_binary_iprimitive<bounded_iarchive, char, std::char_traits<char>>;
  friend class boost::archive::load_access;

  std::streambuf& sb_;
};

}  // namespace taskhub::detail

BOOST_SERIALIZATION_REGISTER_ARCHIVE(taskhub::detail::bounded_iarchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(taskhub::detail::bounded_iarchive)
