#include "capture.hpp"

#include <algorithm>

namespace mirflow::report {

namespace {

// The middle item of the stream: at every level of the key, the middle child (count / 2), so
// it is known when the item arrives, without waiting for the others.
bool is_middle(const Key& key) {
  for (const Key* k = &key; k->parent(); k = k->parent().get())
    if (k->index() != k->count() / 2) return false;
  return true;
}

std::vector<std::int64_t> order_of(const Key& key) {
  std::vector<std::int64_t> order;
  for (const Key* k = &key; k->parent(); k = k->parent().get()) order.push_back(k->index());
  std::reverse(order.begin(), order.end());
  return order;
}

}  // namespace

Capture::Capture(const NodeConfig& c, std::shared_ptr<Collector> collector)
    : collector_(std::move(collector)), compare_(c.params.get_string("compare")), item_(c.params.get_string("item")) {}

NodeSpec Capture::spec() {
  return NodeSpec("report.capture",
                  "Internal sink of `mirflow bench`: keeps a metrics.compare node's records and the images of one item.")
      .input("image", kImagePort, "what feeds the compare node's image")
      .input("reference", kImagePort, "what feeds the compare node's reference")
      .input("noisy", kImagePort, "what feeds the compare node's noisy input", false)
      .input("json", kJsonPort, "the compare node's record")
      .param(ParamSpec::String("compare", "", "id of the metrics.compare node captured"))
      .param(ParamSpec::String("item", "", "key of the item whose images are kept (empty: the middle item)"));
}

void Capture::process(Context& ctx) {
  const Key& key = *ctx.key();
  collector_->add(compare_, Record{order_of(key), key.str(), ctx.input<std::string>("json")});
  if (item_.empty() ? is_middle(key) : key.str() == item_) {
    Panel panel{key.str(), ctx.image("image"), ctx.image("reference"), std::nullopt};
    if (ctx.has("noisy")) panel.noisy = ctx.image("noisy");
    collector_->set_panel(compare_, std::move(panel));
  }
}

}  // namespace mirflow::report
