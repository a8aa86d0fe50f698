#include "imageio/import.h"

#include <cstring>
#include <functional>
#include <vector>

#include "core/media_types.h"
#include "core/reference.h"
#include "core/status.h"
#include "core/timestamp.h"
#include "imageio/archive_stream.h"
#include "imageio/go_json.h"
#include "imageio/names.h"
#include "imageio/scoped_lease.h"
#include "imageio/store_writes.h"
#include "imageio/walk.h"

namespace reclaim {
namespace {

constexpr size_t kPeekBytes = 64 * 1024;
constexpr size_t kChunk = 256 * 1024;

// Replays `prefix`, then reads `inner`.
class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(std::string prefix, ByteSource& inner)
      : prefix_(std::move(prefix)), inner_(inner) {}
  absl::StatusOr<size_t> Read(char* buf, size_t n) override {
    if (pos_ < prefix_.size()) {
      const size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return inner_.Read(buf, n);
  }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  ByteSource& inner_;
};

// The image config in moby's DockerOCIImage field order (see import.h).
std::string ConfigJson(const std::string& created, const Platform& p, const Digest& diff_id,
                       const std::string& comment, const Labels& labels) {
  std::string out = "{\"created\":" + GoJsonString(created);
  out += ",\"architecture\":" + GoJsonString(p.architecture);
  out += ",\"os\":" + GoJsonString(p.os);
  if (!p.os_version.empty()) out += ",\"os.version\":" + GoJsonString(p.os_version);
  if (!p.os_features.empty()) out += ",\"os.features\":" + GoJsonStringArray(p.os_features, false);
  if (!p.variant.empty()) out += ",\"variant\":" + GoJsonString(p.variant);
  out += ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + GoJsonString(diff_id.str()) + "]}";
  out += ",\"history\":[{\"created\":" + GoJsonString(created);
  if (!comment.empty()) out += ",\"comment\":" + GoJsonString(comment);
  out += "}],\"config\":{";
  if (!labels.empty()) out += "\"Labels\":" + GoJsonStringMap(labels);
  out += "}}";
  return out;
}

class Importer {
 public:
  Importer(Store& store, const ImportOptions& options) : store_(store), opts_(options) {}

  absl::StatusOr<ImportResult> Run(ByteSource& source) {
    std::string name;
    if (!opts_.name.empty()) {
      RECLAIM_ASSIGN_OR_RETURN(Reference ref, ParseNormalizedNamed(opts_.name));
      if (ref.HasDigest()) {
        return absl::InvalidArgumentError("cannot import with a digest reference: " + opts_.name);
      }
      name = TagNameOnly(ref).String();
    }
    const Clock& clock = opts_.clock != nullptr ? *opts_.clock : RealClock();
    RECLAIM_ASSIGN_OR_RETURN(lease_, ScopedLease::Create(store_, clock, "reclaim-import-"));

    // Peek at the first bytes to know the compression.
    std::string prefix(kPeekBytes, '\0');
    size_t have = 0;
    while (have < 6) {
      RECLAIM_ASSIGN_OR_RETURN(size_t n, source.Read(prefix.data() + have, prefix.size() - have));
      if (n == 0) break;
      have += n;
    }
    prefix.resize(have);
    const StreamCompression compression = DetectStreamCompression(prefix);
    keep_raw_ = compression == StreamCompression::kGzip || compression == StreamCompression::kZstd;

    WriterOptions wo;
    wo.ref = lease_->id() + "-layer";
    wo.lease_id = lease_->id();
    RECLAIM_ASSIGN_OR_RETURN(writer_, store_.content().Writer(wo));

    if (!prefix.empty()) {
      PrefixedSource all(std::move(prefix), source);
      RECLAIM_RETURN_IF_ERROR(ReadLayer(all));
    }
    ImportResult result;
    result.diff_id = diff_hash_.Finish();
    result.layer.size = writer_->offset();
    result.layer.digest = keep_raw_ ? raw_hash_.Finish() : result.diff_id;
    result.layer.media_type =
        std::string(compression == StreamCompression::kGzip   ? media_types::kOciLayerGzip
                    : compression == StreamCompression::kZstd ? media_types::kOciLayerZstd
                                                              : media_types::kOciLayer);
    Labels layer_labels;
    if (keep_raw_) layer_labels["containerd.io/uncompressed"] = result.diff_id.str();
    RECLAIM_RETURN_IF_ERROR(
        CommitUnderLease(store_, *lease_, *writer_, result.layer, layer_labels).status());
    writer_.reset();

    const std::string created = FormatRfc3339Nano(clock.Now());
    const Platform platform = opts_.platform.value_or(HostPlatform());
    const std::string comment = opts_.message.empty() ? "Imported from -" : opts_.message;
    RECLAIM_ASSIGN_OR_RETURN(result.config, WriteJson(ConfigJson(created, platform, result.diff_id,
                                                                 comment, opts_.labels),
                                                      media_types::kOciConfig, {}));
    RECLAIM_ASSIGN_OR_RETURN(
        result.target,
        WriteJson(GoJsonOciManifest(result.config, {result.layer}), media_types::kOciManifest,
                  ChildGcLabels({result.config, result.layer})));

    result.name = name.empty() ? DanglingImageName(result.target.digest) : name;
    RECLAIM_ASSIGN_OR_RETURN(result.previous_target, SaveRecord(result.name, result.target));
    return result;
  }

 private:
  // Streams the input through libarchive: the outer raw reader decompresses,
  // the inner tar reader validates; both hash on the way.
  absl::Status ReadLayer(PrefixedSource& all) {
    absl::Status tee_status;
    std::function<void(std::string_view)> tee;
    if (keep_raw_) {
      tee = [&](std::string_view raw) {
        raw_hash_.Update(raw);
        if (tee_status.ok()) tee_status = writer_->Write(raw);
      };
    }
    absl::StatusOr<std::unique_ptr<ArchiveReader>> opened = ArchiveReader::OpenRaw(all, tee);
    RECLAIM_RETURN_IF_ERROR(tee_status);
    if (!opened.ok()) return opened.status();
    std::unique_ptr<ArchiveReader> outer = std::move(*opened);
    RECLAIM_ASSIGN_OR_RETURN(bool has_data, outer->Next());
    if (has_data) {
      FunctionSource plain([&](char* buf, size_t n) -> absl::StatusOr<size_t> {
        RECLAIM_RETURN_IF_ERROR(tee_status);
        RECLAIM_ASSIGN_OR_RETURN(size_t got, outer->ReadData(buf, n));
        const std::string_view chunk(buf, got);
        diff_hash_.Update(chunk);
        if (!keep_raw_ && got > 0) RECLAIM_RETURN_IF_ERROR(writer_->Write(chunk));
        return got;
      });
      absl::StatusOr<std::unique_ptr<ArchiveReader>> tar_or =
          ArchiveReader::OpenTar(plain, /*allow_compression=*/false);
      if (!tar_or.ok()) return NotATar(tar_or.status());
      std::unique_ptr<ArchiveReader> tar = std::move(*tar_or);
      std::vector<char> scratch(kChunk);
      while (true) {
        absl::StatusOr<bool> more = tar->Next();
        if (!more.ok()) return NotATar(more.status());
        if (!*more) break;
        while (true) {
          absl::StatusOr<size_t> n = tar->ReadData(scratch.data(), scratch.size());
          if (!n.ok()) return NotATar(n.status());
          if (*n == 0) break;
        }
      }
      // Whatever follows the end-of-archive marker still belongs to the layer.
      while (true) {
        RECLAIM_ASSIGN_OR_RETURN(size_t n, plain.Read(scratch.data(), scratch.size()));
        if (n == 0) break;
      }
    }
    RECLAIM_RETURN_IF_ERROR(tee_status);
    if (keep_raw_) {
      // Bytes libarchive did not pull (after the compressed stream) are kept too.
      std::vector<char> scratch(kChunk);
      while (true) {
        RECLAIM_ASSIGN_OR_RETURN(size_t n, all.Read(scratch.data(), scratch.size()));
        if (n == 0) break;
        const std::string_view chunk(scratch.data(), n);
        raw_hash_.Update(chunk);
        RECLAIM_RETURN_IF_ERROR(writer_->Write(chunk));
      }
    }
    return absl::OkStatus();
  }

  static absl::Status NotATar(const absl::Status& s) {
    if (!absl::IsInvalidArgument(s)) return s;
    return absl::InvalidArgumentError("import: the input is not a valid tar archive: " +
                                      std::string(s.message()));
  }

  absl::StatusOr<Descriptor> WriteJson(const std::string& bytes, std::string_view media_type,
                                       const Labels& labels) {
    RECLAIM_ASSIGN_OR_RETURN(LeasedBlob b,
                             WriteBlobUnderLease(store_, *lease_, bytes, media_type, "-", labels));
    return b.descriptor;
  }

  // The previous target when an existing name was moved.
  absl::StatusOr<std::optional<Descriptor>> SaveRecord(const std::string& name,
                                                       const Descriptor& target) {
    RECLAIM_ASSIGN_OR_RETURN(ImageUpsert u, CreateOrUpdateImage(store_, name, target));
    return u.previous_target;
  }

  Store& store_;
  const ImportOptions& opts_;
  std::unique_ptr<ScopedLease> lease_;
  std::unique_ptr<ContentWriter> writer_;
  bool keep_raw_ = false;
  Sha256 raw_hash_;
  Sha256 diff_hash_;
};

}  // namespace

absl::StatusOr<ImportResult> ImportRootfs(Store& store, ByteSource& source,
                                          const ImportOptions& options) {
  Importer importer(store, options);
  return importer.Run(source);
}

}  // namespace reclaim
