// The fix recipes' text surgery (src/lint/recipe.hpp): where a keyword goes in the statement as
// written, past its spaces and comments.
#include "lint/recipe.hpp"

#include <gtest/gtest.h>

namespace pgwarden::lint {
namespace {

TEST(Recipe, AKeywordGoesAfterTheWordsPastCommentsAndSpaces) {
  EXPECT_EQ(insert_after_words("CREATE INDEX i ON t (a)", {"CREATE", "UNIQUE?", "INDEX"}, "CONCURRENTLY"),
            "CREATE INDEX CONCURRENTLY i ON t (a)");
  EXPECT_EQ(insert_after_words("create /* c */ unique -- why\n index i ON t (a)", {"CREATE", "UNIQUE?", "INDEX"},
                               "CONCURRENTLY"),
            "create /* c */ unique -- why\n index CONCURRENTLY i ON t (a)");
  // PostgreSQL ends a -- comment at a carriage return too: INDEX after it is a word.
  EXPECT_EQ(insert_after_words("CREATE -- why\rINDEX i ON t (a)", {"CREATE", "UNIQUE?", "INDEX"}, "CONCURRENTLY"),
            "CREATE -- why\rINDEX CONCURRENTLY i ON t (a)");
  EXPECT_EQ(insert_after_words("CREATE TABLE t (a int)", {"CREATE", "INDEX"}, "CONCURRENTLY"), "");
}

}  // namespace
}  // namespace pgwarden::lint
