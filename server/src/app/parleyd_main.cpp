#include <cstdio>
#include <string>
#include <vector>

#include "app/Config.h"
#include "app/Server.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto config = parley::app::Config::parse(args, parley::app::Config::processEnvironment());
  if (!config) {
    std::fprintf(stderr, "parleyd: %s\n", config.error().message.c_str());
    return 2;
  }
  if (config->help) {
    std::fputs(parley::app::Config::usage().c_str(), stdout);
    return 0;
  }
  return parley::app::Server(config.value()).run();
}
