#include <gtest/gtest.h>

#include <fstream>

#include "mirflow/atomic_file.hpp"
#include "mirflow/key.hpp"
#include "test_support.hpp"

using namespace mirflow;
namespace fs = std::filesystem;

namespace {
std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(dir)) ++n;
  return n;
}
}  // namespace

TEST(AtomicFile, CommitRenamesIntoPlace) {
  fs::path dir = mirflow::test::scratch_dir("atomic");
  fs::path target = dir / "sub" / "out.txt";
  {
    AtomicFile f(target);
    EXPECT_EQ(f.temp_path().parent_path(), target.parent_path());
    std::ofstream(f.temp_path()) << "complete";
    EXPECT_FALSE(fs::exists(target));  // nothing that looks complete before commit
    f.commit();
  }
  std::ifstream in(target);
  std::string s;
  in >> s;
  EXPECT_EQ(s, "complete");
  EXPECT_EQ(files_in(dir / "sub"), 1u);
}

TEST(AtomicFile, WithoutCommitNothingRemains) {
  fs::path dir = mirflow::test::scratch_dir("atomic-fail");
  try {
    AtomicFile f(dir / "out.nii");
    std::ofstream(f.temp_path()) << "half a file";
    throw std::runtime_error("writer failed midway");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(files_in(dir), 0u);
}

TEST(AtomicFile, PathPatterns) {
  KeyPtr root = Key::root("run");
  KeyPtr file = Key::child(root, "ch2.nii.gz", 0, 1);
  KeyPtr slice = Key::child(file, "z=7", 7, 181);
  EXPECT_EQ(expand_path_pattern("out/{stem}_{index:03}.png", *slice).string(), "out/ch2_007.png");
  EXPECT_EQ(expand_path_pattern("out/{stem}-{index}.png", *slice).string(), "out/ch2-7.png");
  EXPECT_EQ(expand_path_pattern("out/{key}.npy", *slice).string(), "out/ch2.nii.gz_z_7.npy");
  EXPECT_TRUE(path_has_pattern("a/{index:4}.png"));
  EXPECT_FALSE(path_has_pattern("a/b.png"));
  EXPECT_EQ(slice->str(), "ch2.nii.gz/z=7");
  EXPECT_EQ(slice->top_label(), "ch2.nii.gz");
  EXPECT_NE(slice->tag(), Key::child(file, "z=7", 8, 181)->tag());
  EXPECT_EQ(slice->tag(), Key::child(file, "z=7", 7, 181)->tag());  // equal paths, equal tags
}
