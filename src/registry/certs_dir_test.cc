#include "registry/certs_dir.h"

#include <string>

#include "gtest/gtest.h"
#include "platform/mem_fs.h"

namespace reclaim {
namespace {

TEST(CertsDirTest, ReadsCasAndClientPair) {
  MemFs fs;
  ASSERT_TRUE(fs.CreateDirs("/certs.d/reg:5000").ok());
  ASSERT_TRUE(fs.WriteFileAtomic("/certs.d/reg:5000/ca.crt", "CA1").ok());
  ASSERT_TRUE(fs.WriteFileAtomic("/certs.d/reg:5000/extra.crt", "CA2\n").ok());
  ASSERT_TRUE(fs.WriteFileAtomic("/certs.d/reg:5000/client.cert", "CERT").ok());
  ASSERT_TRUE(fs.WriteFileAtomic("/certs.d/reg:5000/client.key", "KEY").ok());
  ASSERT_TRUE(fs.WriteFileAtomic("/certs.d/reg:5000/hosts.toml", "ignored").ok());
  absl::StatusOr<TlsFiles> t = ReadCertsDir(fs, "/certs.d", "reg:5000");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->ca_pem, "CA1\nCA2\n");
  EXPECT_EQ(t->client_cert_pem, "CERT");
  EXPECT_EQ(t->client_key_pem, "KEY");

  absl::StatusOr<TlsFiles> none = ReadCertsDir(fs, "/certs.d", "other:1");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, TlsFiles{});
}

TEST(CertsDirTest, UnpairedFilesAreErrors) {
  const struct {
    std::string file, error;
  } cases[] = {
      {"c.cert",
       "missing key c.key for client certificate c.cert. CA certificates must use the "
       "extension .crt"},
      {"c.key", "missing client certificate c.cert for key c.key"},
  };
  for (const auto& c : cases) {
    MemFs fs;
    ASSERT_TRUE(fs.CreateDirs("/d/h").ok());
    ASSERT_TRUE(fs.WriteFileAtomic("/d/h/" + c.file, "x").ok());
    absl::StatusOr<TlsFiles> t = ReadCertsDir(fs, "/d", "h");
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(t.status().message(), c.error);
  }
}

}  // namespace
}  // namespace reclaim
