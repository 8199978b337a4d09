#include "record/compose/StreamOrder.h"

#include <algorithm>
#include <set>
#include <string>

namespace parley::record::compose {

std::vector<StreamInfo> StreamOrder::prioritize(std::vector<StreamInfo> streams) {
  std::set<std::string> sharing;    // connections publishing a screen share
  std::set<std::string> withClass;  // connections publishing a classed stream
  for (const auto& s : streams) {
    if (s.screen) sharing.insert(s.connectionId);
    if (!s.classes.empty()) withClass.insert(s.connectionId);
  }
  auto rank = [&](const StreamInfo& s) {
    const bool classed = !s.classes.empty();
    int within = 3;
    if (s.screen)
      within = 0;
    else if (sharing.count(s.connectionId))
      within = 1;
    else if (!classed && withClass.count(s.connectionId))
      within = 2;
    return (classed ? 0 : 4) + within;
  };
  std::stable_sort(streams.begin(), streams.end(), [&](const StreamInfo& a, const StreamInfo& b) {
    const int ra = rank(a);
    const int rb = rank(b);
    return ra != rb ? ra < rb : a.addedOrder < b.addedOrder;
  });
  return streams;
}

}  // namespace parley::record::compose
