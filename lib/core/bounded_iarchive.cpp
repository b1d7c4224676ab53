// SPDX-License-Identifier: MIT
// Part of taskhub.
// The templates of the bounded archive that Boost defines out of line, made once here.
#include "taskhub/detail/bounded_iarchive.hpp"

#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_binary_iarchive.ipp>
#include <boost/archive/impl/basic_binary_iprimitive.ipp>

namespace boost::archive {
template class detail::archive_serializer_map<taskhub::detail::bounded_iarchive>;
template class basic_binary_iprimitive<taskhub::detail::bounded_iarchive, char, std::char_traits<char>>;
template class basic_binary_iarchive<taskhub::detail::bounded_iarchive>;
template class binary_iarchive_impl<taskhub::detail::bounded_iarchive, char, std::char_traits<char>>;
}  // namespace boost::archive
