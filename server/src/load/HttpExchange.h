#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace parley::load {

// One HTTP/1.1 request and its answer over plain TCP on an io_context, for the load tool's
// REST calls and session info requests. The connection is closed after the answer.
class HttpExchange {
 public:
  struct Reply {
    int status = 0;     // 0: no answer
    std::string body;   // at most 1 MiB
    std::string error;  // why, when status is 0
  };
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // `done` runs on the io_context's thread exactly once (timeout: 20 s).
  static void start(boost::asio::io_context& io, std::string method, const std::string& url,
                    const Headers& headers, std::string body, std::function<void(Reply)> done);
};

}  // namespace parley::load
