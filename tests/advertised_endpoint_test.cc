// AdvertisedEndpoint (launch/advertised_endpoint.h): a bound address is
// advertised as bound; a wildcard bind as --advertise, else a host name that
// resolves beyond loopback, else the default route's interface (not the
// first interface), else the first beyond loopback, else loopback.
#include "launch/advertised_endpoint.h"

#include <gtest/gtest.h>

namespace getps::cli {
namespace {

// A host whose name resolves to loopback only (as in a network namespace
// or a fresh cloud machine), a storage network first, the cluster network
// holding the default route.
HostAddresses TwoInterfaces() {
  HostAddresses h;
  h.hostname = "node07";
  h.hostname_addresses = {"127.0.1.1"};
  h.default_route_interface = "eth0";
  h.interfaces = {{"lo", "127.0.0.1"}, {"storage0", "10.9.0.7"}, {"eth0", "10.1.0.7"}};
  return h;
}

TEST(AdvertisedEndpoint, ABoundAddressIsAdvertisedAsBound) {
  const auto a = AdvertisedEndpoint("tcp://10.9.0.7:4100", "", TwoInterfaces());
  EXPECT_EQ(a.endpoint, "tcp://10.9.0.7:4100");
  EXPECT_EQ(AdvertisedEndpoint("tcp://127.0.0.1:9", "other", TwoInterfaces()).endpoint,
            "tcp://127.0.0.1:9");  // --advertise only names a wildcard bind
}

TEST(AdvertisedEndpoint, AWildcardBindTakesAdvertiseFirst) {
  const auto a = AdvertisedEndpoint("tcp://0.0.0.0:4100", "node07-ib", TwoInterfaces());
  EXPECT_EQ(a.endpoint, "tcp://node07-ib:4100");
  EXPECT_EQ(a.why, "--advertise");
}

TEST(AdvertisedEndpoint, AHostNameThatResolvesBeyondLoopbackIsUsed) {
  HostAddresses h = TwoInterfaces();
  h.hostname_addresses = {"127.0.1.1", "10.1.0.7"};
  EXPECT_EQ(AdvertisedEndpoint("tcp://0.0.0.0:4100", "", h).endpoint, "tcp://node07:4100");
}

TEST(AdvertisedEndpoint, ElseTheDefaultRoutesInterfaceNotTheFirstOne) {
  const auto a = AdvertisedEndpoint("tcp://0.0.0.0:4100", "", TwoInterfaces());
  EXPECT_EQ(a.endpoint, "tcp://10.1.0.7:4100");
  EXPECT_EQ(a.why,
            "the default route's interface eth0 (the host name node07 resolves to loopback only)");
}

TEST(AdvertisedEndpoint, ElseTheFirstInterfaceBeyondLoopbackElseLoopback) {
  HostAddresses h = TwoInterfaces();
  h.default_route_interface = "";
  EXPECT_EQ(AdvertisedEndpoint("tcp://0.0.0.0:5", "", h).endpoint, "tcp://10.9.0.7:5");
  h.hostname_addresses.clear();  // the name does not resolve at all
  h.interfaces = {{"lo", "127.0.0.1"}};
  const auto a = AdvertisedEndpoint("tcp://0.0.0.0:5", "", h);
  EXPECT_EQ(a.endpoint, "tcp://node07:5");
  EXPECT_EQ(a.why, "loopback only: one host");
}

TEST(ReadHostAddresses, ThisHostHasLoopbackAndAName) {
  const HostAddresses h = ReadHostAddresses();
  EXPECT_FALSE(h.hostname.empty());
  bool loopback = false;
  for (const auto& [name, address] : h.interfaces) loopback |= address == "127.0.0.1";
  EXPECT_TRUE(loopback);
}

TEST(ShardBind, LoopbackStaysLoopbackAnInterfaceIsKeptAnAddressBecomesTheWildcard) {
  EXPECT_EQ(ShardBind("tcp://127.0.0.1:0"), "tcp://127.0.0.1:0");
  EXPECT_EQ(ShardBind("tcp://localhost:5555"), "tcp://127.0.0.1:0");
  EXPECT_EQ(ShardBind("tcp://*:0"), "tcp://*:0");
  EXPECT_EQ(ShardBind("tcp://eth1:5555"), "tcp://eth1:0") << "the fabric the user chose";
  EXPECT_EQ(ShardBind("tcp://ib0:0"), "tcp://ib0:0");
  EXPECT_EQ(ShardBind("tcp://10.0.0.5:5555"), "tcp://*:0")
      << "the coordinator's address is not the shard's host's";
}

}  // namespace
}  // namespace getps::cli
