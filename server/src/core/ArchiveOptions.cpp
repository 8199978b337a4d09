#include "core/ArchiveOptions.h"

#include <array>
#include <string_view>

#include "core/JsonField.h"

namespace parley::core {

namespace {

using R = Result<ArchiveOptions>;

R invalid(std::string message) {
  return R::fail(Error::Code::Invalid, std::move(message));
}

bool oneOf(std::string_view value, std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed)
    if (value == a) return true;
  return false;
}

// The layout object's fields into `o`; error text or nullopt.
std::optional<std::string> readLayout(const Json& layout, ArchiveOptions& o) {
  if (!layout.isObject()) return "layout must be an object";
  if (auto e = JsonField::readString(layout, "type", o.layoutType, 64)) return "layout." + *e;
  if (!oneOf(o.layoutType,
             {"bestFit", "custom", "horizontalPresentation", "verticalPresentation", "pip"}))
    return "layout.type must be bestFit, custom, horizontalPresentation, verticalPresentation "
           "or pip";
  if (auto e = JsonField::readString(layout, "stylesheet", o.layoutStylesheet,
                                     ArchiveOptions::kMaxStylesheetBytes))
    return "layout." + *e;
  // The Ruby SDK's example sends it in snake case.
  if (auto e = JsonField::readString(layout, "screenshare_type", o.screenshareType, 64))
    return "layout." + *e;
  if (auto e = JsonField::readString(layout, "screenshareType", o.screenshareType, 64))
    return "layout." + *e;
  if (o.layoutType == "custom" && o.layoutStylesheet.empty())
    return "layout.stylesheet is required with layout.type custom";
  if (o.layoutType != "custom" && !o.layoutStylesheet.empty())
    return "layout.stylesheet is only for layout.type custom";
  if (!o.screenshareType.empty()) {
    if (o.layoutType != "bestFit") return "layout.screenshareType needs layout.type bestFit";
    if (!oneOf(o.screenshareType,
               {"bestFit", "horizontalPresentation", "verticalPresentation", "pip"}))
      return "layout.screenshareType must be bestFit, horizontalPresentation, "
             "verticalPresentation or pip";
  }
  return std::nullopt;
}

}  // namespace

const char* ArchiveOptions::outputModeName(OutputMode m) {
  return m == OutputMode::Individual ? "individual" : "composed";
}

const char* ArchiveOptions::streamModeName(StreamMode m) {
  return m == StreamMode::Manual ? "manual" : "auto";
}

Result<ArchiveOptions> ArchiveOptions::parse(const Json& body) {
  if (!body.isObject()) return invalid("the body must be a JSON object");
  ArchiveOptions o;
  if (auto e = JsonField::readString(body, "sessionId", o.sessionId, 256)) return invalid(*e);
  if (o.sessionId.empty()) return invalid("sessionId is required");
  if (auto e = JsonField::readString(body, "name", o.name, kMaxNameLength)) return invalid(*e);
  if (auto e = JsonField::readBool(body, "hasAudio", o.hasAudio)) return invalid(*e);
  if (auto e = JsonField::readBool(body, "hasVideo", o.hasVideo)) return invalid(*e);
  if (!o.hasAudio && !o.hasVideo) return invalid("hasAudio and hasVideo cannot both be false");
  std::string outputMode = "composed";
  if (auto e = JsonField::readString(body, "outputMode", outputMode, 32)) return invalid(*e);
  if (!oneOf(outputMode, {"composed", "individual"}))
    return invalid("outputMode must be composed or individual");
  o.outputMode = outputMode == "individual" ? OutputMode::Individual : OutputMode::Composed;
  std::string streamMode = "auto";
  if (auto e = JsonField::readString(body, "streamMode", streamMode, 32)) return invalid(*e);
  if (!oneOf(streamMode, {"auto", "manual"})) return invalid("streamMode must be auto or manual");
  o.streamMode = streamMode == "manual" ? StreamMode::Manual : StreamMode::Auto;
  if (auto e = JsonField::readString(body, "multiArchiveTag", o.multiArchiveTag, kMaxTagLength))
    return invalid(*e);

  const bool composed = o.outputMode == OutputMode::Composed;
  const Json* resolution = body.find("resolution");
  if (resolution && !resolution->isNull()) {
    if (!composed) return invalid("resolution applies to composed archives only");
    if (auto e = JsonField::readString(body, "resolution", o.resolution, 16)) return invalid(*e);
    if (!oneOf(o.resolution,
               {"640x480", "480x640", "1280x720", "720x1280", "1920x1080", "1080x1920"}))
      return invalid(
          "resolution must be 640x480, 480x640, 1280x720, 720x1280, 1920x1080 or 1080x1920");
  }
  const Json* layout = body.find("layout");
  if (layout && !layout->isNull()) {
    if (!composed) return invalid("layout applies to composed archives only");
    if (auto e = readLayout(*layout, o)) return invalid(*e);
  }
  if (auto e = JsonField::readInt(body, "maxBitrate", o.maxBitrate, kMinBitrate, kMaxBitrate))
    return invalid(*e);
  if (auto e = JsonField::readInt(body, "quantizationParameter", o.quantizationParameter, 15, 40))
    return invalid(*e);
  if ((o.maxBitrate || o.quantizationParameter) && !composed)
    return invalid("maxBitrate and quantizationParameter apply to composed archives only");
  if (o.maxBitrate && o.quantizationParameter)
    return invalid("maxBitrate and quantizationParameter cannot be set together");
  return o;
}

Result<ArchiveOptions> ArchiveOptions::parseLayout(const Json& body) {
  ArchiveOptions o;
  if (auto e = readLayout(body, o)) return invalid(*e);
  return o;
}

}  // namespace parley::core
