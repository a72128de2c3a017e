#include "common/encoding.hpp"

#include <gtest/gtest.h>

namespace pgwarden::encoding {
namespace {

TEST(Encoding, NamesAreReadAsPostgreSQLReadsThem) {
  EXPECT_EQ(canonical("Shift_JIS"), "SJIS");
  EXPECT_EQ(canonical("mskanji"), "SJIS");
  EXPECT_EQ(canonical("unicode"), "UTF8");
  EXPECT_EQ(canonical("utf-8"), "UTF8");
  EXPECT_EQ(canonical("ISO-8859-1"), "LATIN1");
  EXPECT_EQ(canonical("windows-1252"), "WIN1252");
  EXPECT_EQ(canonical("no such encoding"), "");
}

TEST(Encoding, TheClientOnlyEncodingsAreTheOnesWhoseTrailBytesCanBeAsciiAndOnlyThose) {
  for (const char* name : {"SJIS", "BIG5", "GBK", "UHC", "GB18030", "JOHAB", "SHIFT_JIS_2004", "win932"}) {
    EXPECT_EQ(classify(name), Kind::client_only) << name;
  }
  for (const char* name : {"LATIN1", "EUC_JP", "KOI8R", "WIN1251", "EUC_KR"}) {
    EXPECT_EQ(classify(name), Kind::ascii_safe) << name;
  }
  EXPECT_EQ(classify("UTF8"), Kind::utf8);
  EXPECT_EQ(classify("SQL_ASCII"), Kind::utf8);
  EXPECT_EQ(classify("EBCDIC"), Kind::unknown);
}

TEST(Encoding, AsciiSafeTextIsConvertedToUtf8AndInvalidBytesAreRefused) {
  EXPECT_EQ(*to_utf8("donn\xe9" "es", "LATIN1"), "donn\xc3\xa9" "es");
  EXPECT_EQ(*to_utf8("\xe4\xf6", "WIN1252"), "\xc3\xa4\xc3\xb6");
  EXPECT_EQ(*to_utf8("plain", "SJIS"), "plain");  // ASCII reads the same everywhere
  EXPECT_FALSE(to_utf8("\x95\\'", "SJIS"));       // a client-only encoding is never converted
  EXPECT_FALSE(to_utf8("\xa4\xa2\xff", "EUC_JP")); // not valid EUC_JP
  EXPECT_TRUE(is_ascii("SELECT 1"));
  EXPECT_FALSE(is_ascii("SELECT '\xc3\xa9'"));
}

}  // namespace
}  // namespace pgwarden::encoding
