// `mirflow bench` through the built CLI on a small synthetic bench graph: a 5-slice float32
// volume written by numpy → flow.slice → noise.gaussian (σ = 0.05, seeded) → three methods
// (classic.gaussian σ = 0.7 and 1.5, and the noisy image itself through flow.passthrough) →
// metrics.compare each, with the noisy input connected; the methods' slices are also restacked
// and written as .npy. Checked: each method's mean PSNR and SSIM against scikit-image on the
// written arrays, the identity method's PSNR against 20·log10(1/σ), each method charged for its
// own node only, report.html parsed by Python's html.parser with one valid PNG per panel, --item,
// and the error exits (code 2 with a message).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_support.hpp"

namespace fs = std::filesystem;
using mirflow::test::read_text;
using mirflow::test::run_command;

namespace {

const char* kBenchGraph = R"(# bench test graph
[graph]
name = "bench_test"
edges = [
  "input.image -> slices.volume",
  "slices.slice -> noise.image",
  "noise.image -> smooth1.image",
  "noise.image -> smooth2.image",
  "noise.image -> identity.image",
  "smooth1.image -> q1.image",
  "slices.slice -> q1.reference",
  "noise.image -> q1.noisy",
  "smooth2.image -> q2.image",
  "slices.slice -> q2.reference",
  "noise.image -> q2.noisy",
  "identity.image -> q3.image",
  "slices.slice -> q3.reference",
  "noise.image -> q3.noisy",
  "smooth1.image -> stack1.slice",
  "stack1.volume -> out1.image",
  "smooth2.image -> stack2.slice",
  "stack2.volume -> out2.image",
  "noise.image -> stackn.slice",
  "stackn.volume -> outn.image",
]

[[node]]
id = "input"
type = "io.npy_read"
path = "vol.npy"

[[node]]
id = "slices"
type = "flow.slice"

[[node]]
id = "noise"
type = "noise.gaussian"
sigma = 0.05
relative = false
seed = 11

[[node]]
id = "smooth1"
type = "classic.gaussian"
sigma = 0.7

[[node]]
id = "smooth2"
type = "classic.gaussian"
sigma = 1.5

[[node]]
id = "identity"
type = "flow.passthrough"

[[node]]
id = "q1"
type = "metrics.compare"
metrics = "psnr, ssim, rmse"
data_range = 1.0

[[node]]
id = "q2"
type = "metrics.compare"
metrics = "psnr, ssim, rmse"
data_range = 1.0

[[node]]
id = "q3"
type = "metrics.compare"
metrics = "psnr, ssim, rmse"
data_range = 1.0

[[node]]
id = "stack1"
type = "flow.stack"

[[node]]
id = "stack2"
type = "flow.stack"

[[node]]
id = "stackn"
type = "flow.stack"

[[node]]
id = "out1"
type = "io.npy_write"
path = "smooth1.npy"

[[node]]
id = "out2"
type = "io.npy_write"
path = "smooth2.npy"

[[node]]
id = "outn"
type = "io.npy_write"
path = "noisy.npy"
)";

std::string mirflow_bin() { return (mirflow::test::build_dir() / "bin" / "mirflow").string(); }

// A scratch folder with vol.npy (5 × 40 × 48 float32, smooth blobs in [0, 1]) and the graph.
class MirflowBench : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!mirflow::test::python_has("skimage.metrics")) GTEST_SKIP() << "/usr/bin/python3 with scikit-image is not available";
    dir_ = mirflow::test::scratch_dir("bench");
    std::string out;
    ASSERT_EQ(run_command("/usr/bin/python3 -c \"import numpy as np; z, y, x = np.mgrid[0:5, 0:40, 0:48]; "
                          "v = 0.2 + 0.5*np.exp(-((x-20)**2 + (y-18)**2)/60.0) + 0.3*((x-34)**2 + (y-26)**2 < 30) "
                          "+ 0.02*z; np.save('" + (dir_ / "vol.npy").string() + "', v.astype(np.float32))\"", &out), 0)
        << out;
    std::ofstream(dir_ / "bench.toml") << kBenchGraph;
  }
  int bench(const std::string& extra, std::string* out) {
    return run_command("cd " + dir_.string() + " && " + mirflow_bin() + " bench bench.toml --quiet --threads 2 " + extra, out);
  }
  fs::path dir_;
};

TEST_F(MirflowBench, TableResultsAndReportMatchScikitImage) {
  std::string out;
  ASSERT_EQ(bench("--out result", &out), 0) << out;
  // The table: a header and one row per method.
  EXPECT_NE(out.find("method"), std::string::npos) << out;
  EXPECT_NE(out.find("psnr dB"), std::string::npos) << out;
  for (const char* m : {"smooth1", "smooth2", "identity"}) EXPECT_NE(out.find(m), std::string::npos) << out;
  ASSERT_TRUE(fs::exists(dir_ / "result" / "results.json"));
  ASSERT_TRUE(fs::exists(dir_ / "result" / "report.html"));
  const auto j = nlohmann::json::parse(read_text(dir_ / "result" / "results.json"));
  ASSERT_EQ(j["methods"].size(), 3u);

  // Independent metrics: scikit-image per slice on the arrays the graph wrote, then the mean.
  const std::string py =
      "import numpy as np, json\n"
      "from skimage.metrics import peak_signal_noise_ratio as psnr, structural_similarity as ssim\n"
      "d = '" + dir_.string() + "/'\n"
      "ref = np.load(d + 'vol.npy').astype(np.float64)\n"
      "out = {}\n"
      "for name, f in (('smooth1', 'smooth1.npy'), ('smooth2', 'smooth2.npy'), ('identity', 'noisy.npy')):\n"
      "    im = np.load(d + f).astype(np.float64)\n"
      "    p = [psnr(ref[z], im[z], data_range=1.0) for z in range(ref.shape[0])]\n"
      "    s = [ssim(ref[z], im[z], data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)\n"
      "         for z in range(ref.shape[0])]\n"
      "    out[name] = [float(np.mean(p)), float(np.mean(s))]\n"
      "print(json.dumps(out))\n";
  std::ofstream(dir_ / "ref.py") << py;
  std::string ref_text;
  ASSERT_EQ(run_command("/usr/bin/python3 " + (dir_ / "ref.py").string(), &ref_text), 0) << ref_text;
  const auto ref = nlohmann::json::parse(ref_text);

  std::map<std::string, double> node_seconds;
  for (const auto& n : j["nodes"]) node_seconds[n["id"].get<std::string>()] = n["wall_seconds"].get<double>();
  for (const auto& m : j["methods"]) {
    const std::string name = m["method"];
    SCOPED_TRACE(name);
    EXPECT_EQ(m["items"].get<int>(), 5);
    EXPECT_NEAR(m["means"]["psnr"].get<double>(), ref[name][0].get<double>(), 1e-3);
    EXPECT_NEAR(m["means"]["ssim"].get<double>(), ref[name][1].get<double>(), 1e-4);
    // Each method is charged for its own node only: input, slices and noise are shared.
    ASSERT_EQ(m["charged_nodes"].size(), 1u);
    EXPECT_EQ(m["charged_nodes"][0].get<std::string>(), name);
    EXPECT_GE(m["seconds"].get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(m["seconds"].get<double>(), node_seconds.at(name));
    EXPECT_NEAR(m["seconds_per_item"].get<double>(), m["seconds"].get<double>() / 5.0, 1e-12);
  }
  for (const char* shared : {"input", "slices", "noise"}) {
    bool found = false;
    for (const auto& s : j["shared_nodes"]) found = found || s.get<std::string>() == shared;
    EXPECT_TRUE(found) << shared;
  }
  // The identity method: PSNR of Gaussian noise σ against a range of 1 is about 20·log10(1/σ).
  EXPECT_NEAR(j["methods"][2]["means"]["psnr"].get<double>(), 20.0 * std::log10(1.0 / 0.05), 0.3);
  // Smoothing helps at this noise level.
  EXPECT_GT(j["methods"][0]["means"]["psnr"].get<double>(), j["methods"][2]["means"]["psnr"].get<double>());

  // The middle item is shown: slice 2 of 5.
  EXPECT_EQ(j["panel"]["item"].get<std::string>(), "vol.npy/z=2");

  // report.html: parses, one <img> per panel (reference, noisy, 3 methods, 3 difference maps),
  // each a base64 PNG of the slice's size; nothing is fetched from elsewhere.
  const std::string check =
      "import base64, struct, sys\n"
      "from html.parser import HTMLParser\n"
      "class P(HTMLParser):\n"
      "    def __init__(self):\n"
      "        super().__init__(); self.imgs = []; self.external = []\n"
      "    def handle_starttag(self, tag, attrs):\n"
      "        a = dict(attrs)\n"
      "        if tag == 'img': self.imgs.append(a)\n"
      "        for k in ('src', 'href'):\n"
      "            if k in a and not a[k].startswith('data:'): self.external.append(a[k])\n"
      "p = P(); p.feed(open(sys.argv[1], encoding='utf-8').read()); p.close()\n"
      "sizes = []\n"
      "for a in p.imgs:\n"
      "    assert a['src'].startswith('data:image/png;base64,'), a['src'][:40]\n"
      "    png = base64.b64decode(a['src'].split(',', 1)[1], validate=True)\n"
      "    assert png[:8] == b'\\x89PNG\\r\\n\\x1a\\n'\n"
      "    w, h = struct.unpack('>II', png[16:24])\n"
      "    sizes.append('%dx%d' % (w, h))\n"
      "print(len(p.imgs), len(p.external), ' '.join(sorted(set(sizes))), ';'.join(a['alt'] for a in p.imgs))\n";
  std::ofstream(dir_ / "check_html.py") << check;
  std::string html_out;
  ASSERT_EQ(run_command("/usr/bin/python3 " + (dir_ / "check_html.py").string() + " " + (dir_ / "result" / "report.html").string(),
                        &html_out), 0) << html_out;
  EXPECT_EQ(html_out, "8 0 48x40 reference;noisy;smooth1;smooth2;identity;"
                      "|smooth1 − reference|;|smooth2 − reference|;|identity − reference|\n");
}

TEST_F(MirflowBench, ItemOptionAndDefaultFolder) {
  std::string out;
  ASSERT_EQ(bench("--item vol.npy/z=4", &out), 0) << out;
  const fs::path results = dir_ / "out" / "bench" / "bench_test" / "results.json";
  ASSERT_TRUE(fs::exists(results)) << out;
  EXPECT_EQ(nlohmann::json::parse(read_text(results))["panel"]["item"].get<std::string>(), "vol.npy/z=4");
  EXPECT_EQ(bench("--item vol.npy/z=9 --out other", &out), 2) << out;
  EXPECT_NE(out.find("--item 'vol.npy/z=9': no such item (items: vol.npy/z=0"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir_ / "other"));
}

TEST_F(MirflowBench, BenchGraphsStayOrdinaryGraphs) {
  std::string out;
  EXPECT_EQ(run_command("cd " + dir_.string() + " && " + mirflow_bin() + " run bench.toml --quiet", &out), 0) << out;
}

TEST_F(MirflowBench, BadInputExitsWithTwo) {
  std::string out;
  EXPECT_EQ(run_command(mirflow_bin() + " bench " + (dir_ / "missing.toml").string(), &out), 2) << out;
  EXPECT_NE(out.find("cannot read graph file"), std::string::npos) << out;

  std::ofstream(dir_ / "plain.toml") << "[graph]\nname = \"plain\"\nedges = [\"input.image -> smooth.image\"]\n"
                                        "[[node]]\nid = \"input\"\ntype = \"io.npy_read\"\npath = \"vol.npy\"\n"
                                        "[[node]]\nid = \"smooth\"\ntype = \"classic.gaussian\"\n";
  EXPECT_EQ(run_command(mirflow_bin() + " bench " + (dir_ / "plain.toml").string(), &out), 2) << out;
  EXPECT_NE(out.find("has no metrics.compare node"), std::string::npos) << out;

  EXPECT_EQ(bench("--set q1.metrix=psnr", &out), 2) << out;
  EXPECT_NE(out.find("unknown parameter 'metrix'"), std::string::npos) << out;
  EXPECT_EQ(bench("--set nosuch.sigma=1", &out), 2) << out;
  EXPECT_NE(out.find("nosuch"), std::string::npos) << out;
  EXPECT_EQ(bench("--set smooth1.sigma=-3", &out), 2) << out;
  EXPECT_NE(out.find("outside"), std::string::npos) << out;
  EXPECT_EQ(bench("--threads x", &out), 2) << out;
  EXPECT_NE(out.find("--threads needs a non-negative integer"), std::string::npos) << out;
  EXPECT_EQ(run_command(mirflow_bin() + " bench", &out), 2) << out;
  EXPECT_NE(out.find("missing the graph file"), std::string::npos) << out;
}

}  // namespace

// Without a noisy input, what every row starts from is still shared; a method built on another
// row's method pays for both. The reference goes through physics.units (µ → HU), checked with numpy.
const char* kChainGraph = R"(
[graph]
name = "chain"
edges = [
  "input.image -> hu.image",
  "input.image -> mu_out.image",
  "hu.image -> hu_out.image",
  "input.image -> noise.image",
  "noise.image -> first.image",
  "first.image -> second.image",
  "first.image -> q1.image",
  "hu.image -> q1.reference",
  "second.image -> q2.image",
  "hu.image -> q2.reference",
]

[[node]]
id = "input"
type = "physics.phantom"
nx = 32
scale = 0.096

[[node]]
id = "hu"
type = "physics.units"
to = "hu"

[[node]]
id = "noise"
type = "noise.gaussian"
sigma = 0.002
relative = false
seed = 3

[[node]]
id = "first"
type = "classic.gaussian"
sigma = 0.8

[[node]]
id = "second"
type = "classic.gaussian"
sigma = 0.8

[[node]]
id = "q1"
type = "metrics.compare"
metrics = "psnr"
data_range = 5000

[[node]]
id = "q2"
type = "metrics.compare"
metrics = "psnr"
data_range = 5000

[[node]]
id = "mu_out"
type = "io.npy_write"
path = "mu.npy"

[[node]]
id = "hu_out"
type = "io.npy_write"
path = "hu.npy"
)";

TEST(MirflowBenchChain, SharedStartAndReferenceInHu) {
  if (!mirflow::test::python_has("numpy")) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  const fs::path dir = mirflow::test::scratch_dir("bench-chain");
  std::ofstream(dir / "chain.toml") << kChainGraph;
  std::string out;
  ASSERT_EQ(run_command("cd " + dir.string() + " && " + mirflow_bin() + " bench chain.toml --quiet --out r", &out), 0) << out;
  const auto j = nlohmann::json::parse(read_text(dir / "r" / "results.json"));
  ASSERT_EQ(j["methods"].size(), 2u);
  EXPECT_EQ(j["methods"][0]["charged_nodes"], nlohmann::json({"first"}));
  EXPECT_EQ(j["methods"][1]["charged_nodes"], nlohmann::json({"first", "second"}));
  EXPECT_EQ(j["shared_nodes"], nlohmann::json({"hu", "input", "noise"}));
  // HU = 1000·(µ − 0.0192)/0.0192, pixel by pixel, and the phantom's brain (0.2·0.096) is water.
  ASSERT_EQ(run_command("/usr/bin/python3 -c \"import numpy as np; d='" + dir.string() +
                            "/'; mu = np.load(d + 'mu.npy').astype(np.float64); hu = np.load(d + 'hu.npy'); "
                            "assert hu.dtype == np.float32; "
                            "assert np.allclose(hu, 1000*(mu - 0.0192)/0.0192, atol=1e-2), abs(hu - 1000*(mu - 0.0192)/0.0192).max(); "
                            "assert np.any(np.abs(mu - 0.0192) < 1e-7) and np.all(np.abs(hu[np.abs(mu - 0.0192) < 1e-7]) < 1e-2)\"",
                        &out), 0) << out;
}
