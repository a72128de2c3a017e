#include "lint/discover.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <istream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <sstream>
#include <tuple>

#include "common/glob.hpp"

namespace pgwarden::lint {
namespace fs = std::filesystem;

std::string_view to_string(Layout layout) {
  switch (layout) {
    case Layout::plain: return "plain";
    case Layout::flyway: return "flyway";
    case Layout::up_down: return "up_down";
    case Layout::prisma: return "prisma";
    case Layout::dbmate: return "dbmate";
    case Layout::alembic: return "alembic";
  }
  return "plain";
}

namespace {

int line_of(const std::string& text, std::size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

Script script(const std::string& path, const std::string& text, std::size_t begin, std::size_t end) {
  return Script{path, begin, line_of(text, begin), text.substr(begin, end - begin)};
}

struct MarkerLine {
  std::size_t offset;               // of the line in the text
  std::vector<std::string> groups;  // the regex's groups, [0] the whole line
};

// Every line that matches `marker` (a whole-line regex). Only lines that contain `needle` are
// matched: std::regex is slow, and most lines of most files hold no marker.
std::vector<MarkerLine> marker_lines(const std::string& text, const std::regex& marker, std::string_view needle) {
  std::vector<MarkerLine> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    if (std::string_view(text).substr(pos, nl - pos).find(needle) == std::string_view::npos) {
      pos = nl + 1;
      continue;
    }
    const std::string line = text.substr(pos, nl - pos);
    std::smatch m;
    if (std::regex_match(line, m, marker)) {
      MarkerLine found{pos, {}};
      for (const auto& g : m) found.groups.push_back(g.str());
      out.push_back(std::move(found));
    }
    pos = nl + 1;
  }
  return out;
}

std::size_t line_end(const std::string& text, std::size_t pos) {
  const std::size_t nl = text.find('\n', pos);
  return nl == std::string::npos ? text.size() : nl + 1;
}

const std::regex& dbmate_marker() {
  static const std::regex r(R"(\s*--\s*migrate:(up|down)\b.*\r?)");
  return r;
}

const std::regex& alembic_marker() {
  static const std::regex r(R"(\s*--\s*Running (upgrade|downgrade)\s+(\S*)\s*->\s*(\S+)\s*\r?)");
  return r;
}

// `<digits>_<name>` (or `<digits>` alone) at the start of a file or folder name.
std::pair<std::string, std::string> leading_version(const std::string& stem) {
  static const std::regex r(R"(^(\d[\d\-]*)(?:[_\-](.*))?$)");
  std::smatch m;
  if (std::regex_match(stem, m, r)) return {m[1].str(), m[2].str()};
  return {"", stem};
}

std::vector<Migration> dbmate_sections(const std::string& path, const std::string& text) {
  Migration mig;
  mig.layout = Layout::dbmate;
  std::tie(mig.version, mig.name) = leading_version(fs::path(path).stem().string());
  const auto markers = marker_lines(text, dbmate_marker(), "migrate:");
  for (std::size_t i = 0; i < markers.size(); ++i) {
    const std::size_t begin = line_end(text, markers[i].offset);
    const std::size_t end = i + 1 < markers.size() ? markers[i + 1].offset : text.size();
    (markers[i].groups[1] == "up" ? mig.up : mig.down) = script(path, text, begin, end);
  }
  return {mig};
}

std::vector<Migration> alembic_revisions(const std::string& path, const std::string& text) {
  std::vector<Migration> out;
  std::map<std::string, std::size_t> index;  // revision -> position in out
  const auto markers = marker_lines(text, alembic_marker(), "Running ");
  for (std::size_t i = 0; i < markers.size(); ++i) {
    const auto& m = markers[i].groups;
    const bool up = m[1] == "upgrade";
    // upgrade a -> b applies revision b; downgrade b -> a undoes revision b.
    const std::string revision = up ? m[3] : m[2];
    auto [it, added] = index.emplace(revision, out.size());
    if (added) {
      Migration mig;
      mig.layout = Layout::alembic;
      mig.version = revision;
      mig.name = revision;
      out.push_back(std::move(mig));
    }
    const std::size_t begin = line_end(text, markers[i].offset);
    const std::size_t end = i + 1 < markers.size() ? markers[i + 1].offset : text.size();
    (up ? out[it->second].up : out[it->second].down) = script(path, text, begin, end);
  }
  return out;  // alembic's order is the file's order, kept by the stable sort below
}

}  // namespace

std::vector<Migration> migrations_in_file(const std::string& path, const std::string& text) {
  if (!marker_lines(text, alembic_marker(), "Running ").empty()) return alembic_revisions(path, text);
  if (!marker_lines(text, dbmate_marker(), "migrate:").empty()) return dbmate_sections(path, text);

  const fs::path p(path);
  const std::string base = p.filename().string();
  const std::string dir = p.parent_path().filename().string();
  static const std::regex flyway(R"(^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$)");
  static const std::regex repeatable(R"(^R__(.+)\.sql$)");
  static const std::regex up_down(R"(^(\d+)_(.+)\.(up|down)\.sql$)");
  std::smatch m;
  Migration mig;
  Script whole{path, 0, 1, text};
  if (std::regex_match(base, m, flyway)) {
    mig.layout = Layout::flyway;
    mig.version = m[2].str();
    std::replace(mig.version.begin(), mig.version.end(), '_', '.');
    mig.name = m[3].str();
    (m[1] == "V" ? mig.up : mig.down) = std::move(whole);
  } else if (std::regex_match(base, m, repeatable)) {
    mig.layout = Layout::flyway;
    mig.version = "R";  // repeatable migrations run after every versioned one
    mig.name = m[1].str();
    mig.up = std::move(whole);
  } else if (std::regex_match(base, m, up_down)) {
    mig.layout = Layout::up_down;
    mig.version = m[1].str();
    mig.name = m[2].str();
    (m[3] == "up" ? mig.up : mig.down) = std::move(whole);
  } else if ((base == "up.sql" || base == "down.sql") && !dir.empty()) {
    mig.layout = Layout::up_down;  // diesel: <version>_<name>/up.sql
    std::tie(mig.version, mig.name) = leading_version(dir);
    (base == "up.sql" ? mig.up : mig.down) = std::move(whole);
  } else if (base == "migration.sql" && !dir.empty()) {
    mig.layout = Layout::prisma;
    std::tie(mig.version, mig.name) = leading_version(dir);
    mig.up = std::move(whole);
  } else {
    std::tie(mig.version, mig.name) = leading_version(p.stem().string());
    mig.up = std::move(whole);
  }
  return {mig};
}

namespace {

Expected<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path.string() + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool has_wildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

void sql_files_under(const fs::path& dir, std::vector<fs::path>& out) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".sql") out.push_back(entry.path());
  }
}


}  // namespace

Expected<std::vector<Migration>> discover(const std::vector<std::string>& inputs, std::istream& in) {
  std::vector<std::pair<std::string, std::string>> texts;
  std::vector<fs::path> files;
  for (const std::string& input : inputs) {
    if (input == "-") {
      texts.emplace_back("-", std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
      continue;
    }
    const std::size_t before = files.size();
    if (has_wildcard(input)) {
      auto glob = Glob::compile(input);
      if (!glob) return make_error(input + ": " + glob.error().message);
      // Walk from the last folder before the first wildcard.
      fs::path root = fs::path(input.substr(0, input.find_first_of("*?["))).parent_path();
      if (root.empty()) root = ".";
      std::error_code ec;
      if (fs::is_directory(root, ec)) {
        for (const auto& entry : fs::recursive_directory_iterator(root)) {
          std::string path = entry.path().string();
          if (path.rfind("./", 0) == 0 && input.rfind("./", 0) != 0) path = path.substr(2);
          if (entry.is_regular_file() && glob->matches(path)) files.push_back(entry.path());
        }
      }
    } else if (fs::is_directory(input)) {
      sql_files_under(input, files);
    } else if (fs::exists(input)) {
      files.emplace_back(input);
    } else {
      return make_error(input + ": no such file or folder");
    }
    if (files.size() == before && (has_wildcard(input) || fs::is_directory(input))) {
      return make_error(input + ": matches no .sql file");
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());

  for (const fs::path& file : files) {
    auto text = read_file(file);
    if (!text) return tl::unexpected(text.error());
    texts.emplace_back(file.string(), std::move(*text));
  }
  auto found = assemble(texts);
  // Prisma writes the provider of a migration folder into migration_lock.toml; pgwarden judges
  // PostgreSQL's grammar only, so another provider's SQL is an input error, not a parse error
  // per statement.
  std::set<fs::path> locks;
  for (const auto& m : found) {
    if (m.layout == Layout::prisma && m.up) locks.insert(fs::path(m.up->file).parent_path().parent_path() / "migration_lock.toml");
  }
  static const std::regex provider(R"re(^\s*provider\s*=\s*"([^"]*)")re");
  for (const auto& lock : locks) {
    std::error_code ec;
    if (!fs::exists(lock, ec)) continue;
    auto text = read_file(lock);
    if (!text) return tl::unexpected(text.error());
    std::smatch m;
    std::string line;
    std::istringstream lines(*text);
    while (std::getline(lines, line)) {
      if (!std::regex_search(line, m, provider)) continue;
      if (m[1].str() != "postgresql" && m[1].str() != "postgres") {
        return make_error(lock.string() + ": provider = \"" + m[1].str() +
                          "\": pgwarden lints PostgreSQL migrations only");
      }
    }
  }
  return found;
}

std::vector<Migration> assemble(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<Migration> found;
  // Pairs up and down scripts of the same migration (golang-migrate, diesel, flyway's undo).
  std::map<std::tuple<Layout, std::string, std::string, std::string>, std::size_t> pairs;
  for (const auto& [path, text] : files) {
    const fs::path file(path);
    for (auto& mig : migrations_in_file(path, text)) {
      const bool pairable = mig.layout == Layout::up_down || (mig.layout == Layout::flyway && mig.version != "R");
      if (!pairable) {
        found.push_back(std::move(mig));
        continue;
      }
      // Flyway pairs V and U by version alone (their descriptions may differ); the folder
      // keeps two migration sets apart.
      const std::string folder = file.parent_path().string();
      const std::string folder_key = mig.layout == Layout::up_down && (file.filename() == "up.sql" ||
                                                                       file.filename() == "down.sql")
                                         ? file.parent_path().parent_path().string()
                                         : folder;
      const auto key = std::make_tuple(mig.layout, folder_key, mig.version,
                                       mig.layout == Layout::flyway ? std::string() : mig.name);
      auto [it, added] = pairs.emplace(key, found.size());
      if (added) {
        found.push_back(std::move(mig));
        continue;
      }
      Migration& other = found[it->second];
      if (mig.up && !other.up) other.up = std::move(mig.up);
      if (mig.down && !other.down) other.down = std::move(mig.down);
    }
  }
  // Versioned migrations by version, then unversioned plain files by path (the order they were
  // found in), then alembic revisions in the order of their dump (their names are hashes).
  const auto rank = [](const Migration& m) { return m.layout == Layout::alembic ? 2 : m.version.empty() ? 1 : 0; };
  std::stable_sort(found.begin(), found.end(), [&](const Migration& a, const Migration& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    return rank(a) == 0 && version_less(a.version, b.version);
  });
  return found;
}

// Compares version strings part by part, numerically where both parts are numbers.
bool version_less(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) != 0 && std::isdigit(static_cast<unsigned char>(b[j])) != 0) {
      std::size_t ie = i;
      std::size_t je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie])) != 0) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je])) != 0) ++je;
      std::string_view na(a.data() + i, ie - i);
      std::string_view nb(b.data() + j, je - j);
      while (na.size() > 1 && na.front() == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb.front() == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ie;
      j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

}  // namespace pgwarden::lint
