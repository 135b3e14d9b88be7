#include "proto/base64url.h"

#include <gtest/gtest.h>

namespace xrayd::proto {
namespace {

TEST(Base64UrlTest, MatchesRfc4648VectorsWithoutPadding) {
  // RFC 4648 §10 vectors, padding removed.
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  // The URL alphabet: 62 and 63 are '-' and '_', never '+' and '/'.
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64UrlTest, RoundTripsEveryByte) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes += static_cast<char>(i);
  }
  for (std::size_t n = 0; n <= bytes.size(); n += 37) {
    const std::string part = bytes.substr(0, n);
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(part)), part) << n;
  }
}

TEST(Base64UrlTest, RejectsCharactersOutsideTheAlphabet) {
  for (const char* bad : {"Zm9v=", "Zm+v", "Zm/v", "Zm v", "Zm\nv"}) {
    EXPECT_FALSE(Base64UrlDecode(bad)) << bad;
  }
  EXPECT_FALSE(Base64UrlDecode(std::string_view("Zm\0v", 4)));
}

}  // namespace
}  // namespace xrayd::proto
