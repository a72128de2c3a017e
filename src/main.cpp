// pgwarden: every subcommand lives in src/cli/commands/; main only forwards.
#include "cli/run.hpp"

int main(int argc, char** argv) { return pgwarden::cli::run(argc, argv); }
