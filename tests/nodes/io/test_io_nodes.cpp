// The io nodes through the engine: small TOML graphs (reader -> writer), globs, {stem}
// patterns, and the errors a user meets (missing file, empty glob, truncated file, a writer
// fed several items without a pattern, a write that fails) -- none of which may leave a file
// or a temporary behind.
#include <gtest/gtest.h>

#include "expect_input_error.hpp"
#include "io_test_util.hpp"
#include "mirflow/engine.hpp"
#include "nifti_format.hpp"
#include "npy_format.hpp"
#include "png_format.hpp"

using namespace mirflow;
using namespace mirflow::io;
using namespace mirflow::io::test;

namespace {

std::string reader_writer(const std::string& reader, const std::string& in, const std::string& writer,
                          const std::string& out, const std::string& extra_writer_params = "") {
  return "[graph]\nname = \"io-test\"\nedges = [\"input.image -> output.image\"]\n\n"
         "[[node]]\nid = \"input\"\ntype = \"" +
         reader + "\"\npath = \"" + in +
         "\"\n\n"
         "[[node]]\nid = \"output\"\ntype = \"" +
         writer + "\"\npath = \"" + out + "\"\n" + extra_writer_params;
}

// Runs a graph that must fail at run time (with bad input, unless told); returns the message.
std::string run_error(const std::string& toml, const fs::path& dir, bool bad_input = true) {
  try {
    mirflow::test::run_string(toml, dir);
  } catch (const RunError& e) {
    EXPECT_EQ(e.bad_input(), bad_input) << e.what();
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a RunError: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << "the graph ran without error";
  return "";
}

}  // namespace

TEST(IoNodes, RegistersSixNodeTypesWithImagePorts) {
  auto& reg = mirflow::test::registry();
  for (const char* t : {"io.npy_read", "io.png_read", "io.nifti_read"}) {
    const NodeType* nt = reg.find(t);
    ASSERT_NE(nt, nullptr) << t;
    EXPECT_TRUE(nt->spec.is_source());
    ASSERT_EQ(nt->spec.outputs.size(), 1u);
    EXPECT_EQ(nt->spec.outputs[0].name, "image");
    EXPECT_EQ(nt->spec.outputs[0].type, kImagePort);
    ASSERT_NE(nt->spec.find_param("path"), nullptr);
    EXPECT_EQ(nt->spec.find_param("path")->type, ParamType::Path);
    EXPECT_TRUE(nt->spec.find_param("path")->required());
  }
  for (const char* t : {"io.npy_write", "io.png_write", "io.nifti_write"}) {
    const NodeType* nt = reg.find(t);
    ASSERT_NE(nt, nullptr) << t;
    ASSERT_EQ(nt->spec.inputs.size(), 1u);
    EXPECT_EQ(nt->spec.inputs[0].name, "image");
    EXPECT_EQ(nt->spec.inputs[0].type, kImagePort);
    EXPECT_TRUE(nt->spec.outputs.empty());
    EXPECT_EQ(nt->spec.concurrency, Concurrency::Parallel);
  }
  EXPECT_TRUE(reg.find("io.nifti_read")->spec.find_param("apply_scaling") != nullptr);
  EXPECT_TRUE(reg.find("io.png_write")->spec.find_param("window")->is_optional());
}

TEST(IoNodes, NpyGraphCopiesOneFile) {
  Scratch dir("nodes-npy1");
  Image im = random_image(DType::F64, {8, 6, 3}, 3, 1);
  write_npy(im, dir / "in.npy");
  mirflow::test::run_string(reader_writer("io.npy_read", "in.npy", "io.npy_write", "out/copy.npy"), dir.dir());
  EXPECT_TRUE(same_pixels(im, read_npy(dir / "out/copy.npy")));
  EXPECT_TRUE(part_files(dir / "out").empty());
}

TEST(IoNodes, GlobOfThreeNpyFilesWritesThreeOutputsByStem) {
  Scratch dir("nodes-glob");
  std::vector<Image> ims;
  for (int i = 0; i < 3; ++i) {
    ims.push_back(random_image(DType::I16, {5 + i, 4, 1}, 2, 10u + static_cast<unsigned>(i)));
    write_npy(ims.back(), dir / (std::string("scan_") + std::to_string(i) + ".npy"));
  }
  write_npy(ims[0], dir / "other.npy");  // not matched
  write_file(dir / ".scan_9.npy", "hidden, not matched");
  mirflow::test::run_string(reader_writer("io.npy_read", "scan_?.npy", "io.npy_write", "out/{stem}_copy.npy"),
                            dir.dir());
  std::vector<std::string> written;
  for (const auto& e : fs::directory_iterator(dir / "out")) written.push_back(e.path().filename().string());
  std::sort(written.begin(), written.end());
  EXPECT_EQ(written, (std::vector<std::string>{"scan_0_copy.npy", "scan_1_copy.npy", "scan_2_copy.npy"}));
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(same_pixels(ims[static_cast<std::size_t>(i)],
                            read_npy(dir / (std::string("out/scan_") + std::to_string(i) + "_copy.npy"))));
}

TEST(IoNodes, IndexPatternFollowsSortedGlobOrder) {
  Scratch dir("nodes-index");
  for (const char* n : {"b.npy", "c.npy", "a.npy"}) {
    Image im = Image::allocate2d(DType::U8, 1, 1);
    im.at<std::uint8_t>(0, 0) = static_cast<std::uint8_t>(n[0]);
    write_npy(im, dir / n);
  }
  mirflow::test::run_string(reader_writer("io.npy_read", "*.npy", "io.npy_write", "out/{index:3}.npy"), dir.dir());
  EXPECT_EQ(read_npy(dir / "out/000.npy").at<std::uint8_t>(0, 0), 'a');
  EXPECT_EQ(read_npy(dir / "out/001.npy").at<std::uint8_t>(0, 0), 'b');
  EXPECT_EQ(read_npy(dir / "out/002.npy").at<std::uint8_t>(0, 0), 'c');
}

TEST(IoNodes, PngGraphsRoundTripAndWindow) {
  Scratch dir("nodes-png");
  Image a8 = random_image(DType::U8, {9, 7, 1}, 2, 2);
  Image a16 = random_image(DType::U16, {9, 7, 1}, 2, 3);
  write_png(a8, dir / "a8.png");
  write_png(a16, dir / "a16.png");
  mirflow::test::run_string(reader_writer("io.png_read", "a*.png", "io.png_write", "out/{stem}.png"), dir.dir());
  EXPECT_TRUE(same_pixels(a8, read_png(dir / "out/a8.png")));
  EXPECT_TRUE(same_pixels(a16, read_png(dir / "out/a16.png")));

  // float32 .npy -> 16-bit PNG through the window [0, 100].
  Image f = Image::allocate2d(DType::F32, 3, 1);
  f.at<float>(0, 0) = -5.f, f.at<float>(1, 0) = 50.f, f.at<float>(2, 0) = 100.f;
  write_npy(f, dir / "f.npy");
  mirflow::test::run_string(
      reader_writer("io.npy_read", "f.npy", "io.png_write", "out/f.png", "bits = 16\nwindow = [0.0, 100.0]\n"),
      dir.dir());
  Image p = read_png(dir / "out/f.png");
  ASSERT_EQ(p.dtype(), DType::U16);
  EXPECT_EQ(p.at<std::uint16_t>(0, 0), 0);
  EXPECT_EQ(p.at<std::uint16_t>(1, 0), 32768);
  EXPECT_EQ(p.at<std::uint16_t>(2, 0), 65535);
  // Without a window: the image's min..max, 8 bits.
  mirflow::test::run_string(reader_writer("io.npy_read", "f.npy", "io.png_write", "out/g.png"), dir.dir());
  Image g = read_png(dir / "out/g.png");
  ASSERT_EQ(g.dtype(), DType::U8);
  EXPECT_EQ(g.at<std::uint8_t>(0, 0), 0);
  EXPECT_EQ(g.at<std::uint8_t>(1, 0), 134);  // 55/105·255 = 133.57
  EXPECT_EQ(g.at<std::uint8_t>(2, 0), 255);
}

TEST(IoNodes, NiftiGraphKeepsPixelsAndGeometry) {
  Scratch dir("nodes-nifti");
  Image im = random_image(DType::I16, {10, 8, 6}, 3, 4);
  im.geometry().spacing = {0.5, 0.75, 3.0};
  im.geometry().origin = {1, 2, 3};
  im.geometry().direction = {0, 1, 0, -1, 0, 0, 0, 0, 1};
  write_nifti(im, dir / "vol.nii", false);
  mirflow::test::run_string(reader_writer("io.nifti_read", "vol.nii", "io.nifti_write", "out/{stem}.nii.gz"),
                            dir.dir());
  Image back = read_nifti(dir / "out/vol.nii.gz");
  EXPECT_TRUE(same_pixels(im, back));
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(back.geometry().spacing[i], im.geometry().spacing[i], 1e-6);
    EXPECT_NEAR(back.geometry().origin[i], im.geometry().origin[i], 1e-6);
  }
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(back.geometry().direction[i], im.geometry().direction[i], 1e-6);
}

TEST(IoNodes, SlicedVolumeBecomesOnePngPerSlice) {
  if (!mirflow::test::registry().find("flow.slice")) GTEST_SKIP() << "the flow plugin is not built";
  Scratch dir("nodes-slices");
  Image vol = random_image(DType::U8, {6, 5, 4}, 3, 5);
  write_npy(vol, dir / "vol.npy");
  const std::string toml =
      "[graph]\nedges = [\"input.image -> slice.volume\", \"slice.slice -> output.image\"]\n"
      "[[node]]\nid = \"input\"\ntype = \"io.npy_read\"\npath = \"vol.npy\"\n"
      "[[node]]\nid = \"slice\"\ntype = \"flow.slice\"\n"
      "[[node]]\nid = \"output\"\ntype = \"io.png_write\"\npath = \"out/{stem}_z{index:2}.png\"\n";
  mirflow::test::run_string(toml, dir.dir());
  for (int z = 0; z < 4; ++z) {
    Image s = read_png(dir / (std::string("out/vol_z0") + std::to_string(z) + ".png"));
    for (std::int64_t y = 0; y < 5; ++y)
      for (std::int64_t x = 0; x < 6; ++x) ASSERT_EQ(s.at<std::uint8_t>(x, y), vol.at<std::uint8_t>(x, y, z));
  }
}

TEST(IoNodes, MissingFileAndEmptyGlobAreInputErrorsNamingThePath) {
  Scratch dir("nodes-missing");
  for (const char* r : {"io.npy_read", "io.png_read", "io.nifti_read"}) {
    EXPECT_TRUE(input_error(
        [&] { mirflow::test::run_string(reader_writer(r, "nothere.xyz", "io.npy_write", "o.npy"), dir.dir()); },
        {"nothere.xyz", "not found", "input"}))
        << r;
  }
  EXPECT_TRUE(input_error(
      [&] {
        mirflow::test::run_string(reader_writer("io.npy_read", "none_*.npy", "io.npy_write", "{stem}.npy"), dir.dir());
      },
      {"none_*.npy", "no file matches"}));
  EXPECT_TRUE(input_error(
      [&] {
        mirflow::test::run_string(reader_writer("io.npy_read", "*/x.npy", "io.npy_write", "{stem}.npy"), dir.dir());
      },
      {"*/x.npy", "file name only"}));
  write_npy(random_image(DType::U8, {2, 2, 1}, 2, 1), dir / "ok.npy");
  EXPECT_TRUE(input_error(
      [&] {
        mirflow::test::run_string(reader_writer("io.npy_read", "ok.npy", "io.nifti_write", "out.img"), dir.dir());
      },
      {"out.img", ".nii"}));
  EXPECT_TRUE(input_error(
      [&] {
        mirflow::test::run_string(reader_writer("io.npy_read", "ok.npy", "io.png_write", "o.png", "bits = 12\n"),
                                  dir.dir());
      },
      {"bits", "8 or 16"}));
  EXPECT_TRUE(input_error(
      [&] {
        mirflow::test::run_string(
            reader_writer("io.npy_read", "ok.npy", "io.png_write", "o.png", "window = [5.0, 1.0]\n"), dir.dir());
      },
      {"window", "lo < hi"}));
}

TEST(IoNodes, TruncatedFilesFailTheRunNamingTheFile) {
  Scratch dir("nodes-trunc");
  write_npy(random_image(DType::F32, {16, 16, 1}, 2, 1), dir / "good.npy");
  cut_file(dir / "good.npy", dir / "bad.npy", 300);
  write_png(random_image(DType::U8, {32, 32, 1}, 2, 1), dir / "good.png");
  cut_file(dir / "good.png", dir / "bad.png", read_file(dir / "good.png").size() / 2);
  write_nifti(random_image(DType::I16, {8, 8, 8}, 3, 1), dir / "good.nii.gz", true);
  cut_file(dir / "good.nii.gz", dir / "bad.nii.gz", read_file(dir / "good.nii.gz").size() / 2);
  struct Case {
    const char *reader, *in, *writer, *out;
  };
  for (const Case& c : {Case{"io.npy_read", "bad.npy", "io.npy_write", "out/a.npy"},
                        Case{"io.png_read", "bad.png", "io.png_write", "out/b.png"},
                        Case{"io.nifti_read", "bad.nii.gz", "io.nifti_write", "out/c.nii"}}) {
    const std::string msg = run_error(reader_writer(c.reader, c.in, c.writer, c.out), dir.dir());
    EXPECT_NE(msg.find(c.in), std::string::npos) << msg;
    EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
    EXPECT_FALSE(fs::exists(dir / c.out)) << c.out;
  }
}

TEST(IoNodes, WriterWithSeveralItemsNeedsAPatternAndLeavesNoFile) {
  Scratch dir("nodes-several");
  for (int i = 0; i < 3; ++i)
    write_npy(random_image(DType::U8, {3, 3, 1}, 2, static_cast<unsigned>(i)),
              dir / (std::string("s") + std::to_string(i) + ".npy"));
  const std::string msg = run_error(reader_writer("io.npy_read", "s*.npy", "io.npy_write", "out/all.npy"), dir.dir());
  EXPECT_NE(msg.find("several items"), std::string::npos) << msg;
  EXPECT_NE(msg.find("{stem}"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(dir / "out/all.npy"));
  if (fs::exists(dir / "out")) {
    EXPECT_TRUE(part_files(dir / "out").empty());
  }
}

TEST(IoNodes, FailedWriteLeavesNoTargetAndNoTemporary) {
  Scratch dir("nodes-failwrite");
  write_npy(random_image(DType::U8, {4, 4, 3}, 3, 1), dir / "vol.npy");
  // A volume cannot become one PNG: the write fails after the temporary was named.
  const std::string msg = run_error(reader_writer("io.npy_read", "vol.npy", "io.png_write", "out/vol.png"), dir.dir());
  EXPECT_NE(msg.find("slice it first"), std::string::npos) << msg;
  EXPECT_NE(msg.find("out/vol.png"), std::string::npos) << msg;  // the target, not the temporary
  EXPECT_EQ(msg.find(".part"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(dir / "out/vol.png"));
  ASSERT_TRUE(fs::exists(dir / "out"));          // AtomicFile made the folder...
  EXPECT_TRUE(part_files(dir / "out").empty());  // ...and left nothing in it
  EXPECT_TRUE(fs::is_empty(dir / "out"));

  // A write that completes but cannot be renamed into place (the target is a folder): the
  // temporary, fully written by then, is removed too.
  fs::create_directories(dir / "blocked/copy.npy/inside");
  const std::string msg2 =
      run_error(reader_writer("io.npy_read", "vol.npy", "io.npy_write", "blocked/copy.npy"), dir.dir(),
                /*bad_input=*/false);
  EXPECT_NE(msg2.find("copy.npy"), std::string::npos) << msg2;
  EXPECT_TRUE(fs::is_directory(dir / "blocked/copy.npy"));
  EXPECT_TRUE(part_files(dir / "blocked").empty());
}

TEST(IoNodes, PngColourParameterKeepsRgbThroughAGraph) {
  Scratch dir("nodes-png-colour");
  Image rgb = Image::allocate(DType::U8, {6, 5, 1}, 2, Device::CPU, 3);
  for (std::int64_t i = 0; i < rgb.size() * 3; ++i) rgb.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(7 * i + 3);
  write_png(rgb, dir / "in.png");
  mirflow::test::run_string(reader_writer("io.png_read", "in.png", "io.png_write", "kept.png"), dir.dir());
  // Default: gray. With colour = true: the RGB pixels, written back as RGB.
  EXPECT_EQ(read_png(dir / "kept.png", true).components(), 1);
  std::string toml = reader_writer("io.png_read", "in.png", "io.png_write", "colour.png");
  toml.replace(toml.find("path = \"in.png\""), std::string("path = \"in.png\"").size(), "path = \"in.png\"\ncolour = true");
  mirflow::test::run_string(toml, dir.dir());
  EXPECT_TRUE(same_pixels(rgb, read_png(dir / "colour.png", true)));
}
