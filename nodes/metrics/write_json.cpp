#include <fstream>

#include <mirflow/atomic_file.hpp>
#include <mirflow/error.hpp>

#include "nodes.hpp"

namespace mirflow::metrics {

WriteJson::WriteJson(const NodeConfig& c) : path_(c.params.get_path("path")) {}

NodeSpec WriteJson::spec() {
  return NodeSpec("metrics.write_json",
                  "Writes every item's JSON record, sorted by item, to one file {\"records\": [...]} when the run's last item arrives.")
      .input("json", kJsonPort, "one JSON object per item (metrics.compare, metrics.segmentation)")
      .param(ParamSpec::Path("path", "the .json file to write (atomically)"))
      .serial();
}

void WriteJson::process(Context& ctx) {
  const Key& key = *ctx.key();
  nlohmann::ordered_json record;
  try {
    record = nlohmann::ordered_json::parse(ctx.input<std::string>("json"));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("input 'json' is not valid JSON: ") + e.what());
  }
  if (!record.is_object()) throw InputError("input 'json' must be a JSON object, got " + std::string(record.type_name()));
  if (!record.contains("item")) {
    nlohmann::ordered_json with_item = item_record(key);
    with_item.update(record);
    record = std::move(with_item);
  }
  std::vector<std::int64_t> order;
  for (const Key* k = &key; k->parent(); k = k->parent().get()) order.insert(order.begin(), k->index());
  if (!records_.emplace(order, std::move(record)).second) throw std::runtime_error("item '" + key.str() + "' arrived twice");

  // Mark this item finished, and each ancestor whose children have now all finished. Parents are
  // tracked by name, never by KeyPtr: holding a key would keep its item in flight.
  for (const Key* k = &key; k->parent(); k = k->parent().get()) {
    Level& level = open_[k->parent()->str() + "#" + std::to_string(k->depth())];
    level.count = k->count();
    level.done.insert(k->index());
    if (std::int64_t(level.done.size()) < level.count) return;
    open_.erase(k->parent()->str() + "#" + std::to_string(k->depth()));
  }
  write();  // the root is complete: every item of the run has arrived
}

void WriteJson::write() const {
  nlohmann::ordered_json out;
  out["records"] = nlohmann::ordered_json::array();
  for (const auto& [order, record] : records_) out["records"].push_back(record);
  AtomicFile file(path_);
  {
    std::ofstream f(file.temp_path(), std::ios::trunc);
    if (!f) throw std::runtime_error(path_.string() + ": cannot open for writing");
    f << out.dump(2) << "\n";
    f.close();
    if (!f) throw std::runtime_error(path_.string() + ": write failed");
  }
  file.commit();
}

}  // namespace mirflow::metrics
