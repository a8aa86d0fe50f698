#include "platform/mem_fs.h"

#include <cerrno>
#include <filesystem>
#include <utility>

namespace reclaim {
namespace {

// "/a/./b//c/" -> "/a/b/c"; relative paths start at "/". Empty stays empty.
std::string Normalize(const std::string& path) {
  if (path.empty()) return path;
  std::string p =
      std::filesystem::path(path[0] == '/' ? path : "/" + path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string ChildPrefix(const std::string& dir) { return dir == "/" ? dir : dir + "/"; }

using FileData = MemFs::FileData;

class MemSequentialFile final : public SequentialFile {
 public:
  explicit MemSequentialFile(std::shared_ptr<FileData> data) : data_(std::move(data)) {}

  absl::StatusOr<std::string> Read(size_t n) override {
    MutexLock lock(&data_->mu);
    if (pos_ >= data_->bytes.size()) return std::string();
    std::string out = data_->bytes.substr(pos_, n);
    pos_ += out.size();
    return out;
  }

  absl::Status Skip(uint64_t n) override {
    pos_ += n;
    return absl::OkStatus();
  }

 private:
  const std::shared_ptr<FileData> data_;
  uint64_t pos_ = 0;
};

class MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(std::shared_ptr<FileData> data, std::string path)
      : data_(std::move(data)), path_(std::move(path)) {}

  absl::Status Append(std::string_view bytes) override {
    if (closed_) return Closed("write");
    MutexLock lock(&data_->mu);
    data_->bytes.append(bytes);
    return absl::OkStatus();
  }
  absl::Status Sync() override { return closed_ ? Closed("sync") : absl::OkStatus(); }
  absl::Status Close() override {
    closed_ = true;
    return absl::OkStatus();
  }

 private:
  absl::Status Closed(std::string_view op) const {
    return absl::FailedPreconditionError(std::string(op) + " " + path_ + ": file already closed");
  }

  const std::shared_ptr<FileData> data_;
  const std::string path_;
  bool closed_ = false;
};

}  // namespace

MemFs::MemFs() {
  MutexLock lock(&mu_);
  nodes_["/"] = Node{true, nullptr};
}

const MemFs::Node* MemFs::Find(const std::string& path) const {
  auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

int MemFs::ParentErrno(const std::string& path) const {
  if (path == "/") return 0;
  const std::string parent = DirName(path);
  const Node* node = Find(parent);
  if (node == nullptr) return MissingErrno(parent);
  return node->is_dir ? 0 : ENOTDIR;
}

int MemFs::MissingErrno(const std::string& path) const {
  // Walk up to the nearest existing ancestor: a file there means ENOTDIR.
  std::string p = path;
  while (p != "/") {
    p = DirName(p);
    const Node* node = Find(p);
    if (node != nullptr) return node->is_dir ? ENOENT : ENOTDIR;
  }
  return ENOENT;
}

bool MemFs::HasChildren(const std::string& dir) const {
  const std::string prefix = ChildPrefix(dir);
  auto it = nodes_.lower_bound(prefix);
  if (it != nodes_.end() && it->first == prefix) ++it;  // "/" itself
  return it != nodes_.end() && it->first.starts_with(prefix);
}

absl::StatusOr<std::shared_ptr<FileData>> MemFs::FileFor(const std::string& path,
                                                         std::string_view op,
                                                         std::string_view dir_op) const {
  const std::string p = Normalize(path);
  const Node* node = p.empty() ? nullptr : Find(p);
  if (node == nullptr) return ErrnoToStatus(p.empty() ? ENOENT : MissingErrno(p), op, path);
  if (node->is_dir) return ErrnoToStatus(EISDIR, dir_op, path);
  return node->data;
}

absl::StatusOr<std::string> MemFs::ReadFile(const std::string& path) {
  std::shared_ptr<FileData> data;
  {
    ReaderMutexLock lock(&mu_);
    absl::StatusOr<std::shared_ptr<FileData>> found = FileFor(path, "open", "read");
    if (!found.ok()) return found.status();
    data = *std::move(found);
  }
  MutexLock lock(&data->mu);
  return data->bytes;
}

absl::StatusOr<std::unique_ptr<SequentialFile>> MemFs::OpenForRead(const std::string& path) {
  ReaderMutexLock lock(&mu_);
  absl::StatusOr<std::shared_ptr<FileData>> data = FileFor(path, "open", "open");
  if (!data.ok()) return data.status();
  return std::make_unique<MemSequentialFile>(*std::move(data));
}

absl::StatusOr<std::unique_ptr<WritableFile>> MemFs::OpenForWrite(const std::string& path,
                                                                  WriteMode mode) {
  const std::string p = Normalize(path);
  MutexLock lock(&mu_);
  if (p.empty()) return ErrnoToStatus(ENOENT, "open", path);
  auto it = nodes_.find(p);
  std::shared_ptr<FileData> data;
  if (it != nodes_.end()) {
    if (it->second.is_dir) return ErrnoToStatus(EISDIR, "open", path);
    data = it->second.data;
    if (mode == WriteMode::kTruncate) {
      MutexLock data_lock(&data->mu);
      data->bytes.clear();
    }
  } else {
    if (int err = ParentErrno(p); err != 0) return ErrnoToStatus(err, "open", path);
    data = std::make_shared<FileData>();
    nodes_[p] = Node{false, data};
  }
  return std::make_unique<MemWritableFile>(std::move(data), path);
}

absl::Status MemFs::CreateDirs(const std::string& path) {
  const std::string p = Normalize(path);
  MutexLock lock(&mu_);
  if (p.empty()) return ErrnoToStatus(ENOENT, "mkdir", path);
  // Collect the missing ancestors, checking none is a file.
  std::vector<std::string> missing;
  for (std::string cur = p;; cur = DirName(cur)) {
    const Node* node = Find(cur);
    if (node != nullptr) {
      if (!node->is_dir) return ErrnoToStatus(ENOTDIR, "mkdir", cur);
      break;
    }
    missing.push_back(cur);
    if (cur == "/") break;
  }
  for (const std::string& dir : missing) nodes_[dir] = Node{true, nullptr};
  return absl::OkStatus();
}

absl::StatusOr<bool> MemFs::Exists(const std::string& path) {
  const std::string p = Normalize(path);
  ReaderMutexLock lock(&mu_);
  return !p.empty() && Find(p) != nullptr;
}

absl::StatusOr<uint64_t> MemFs::FileSize(const std::string& path) {
  std::shared_ptr<FileData> data;
  {
    ReaderMutexLock lock(&mu_);
    absl::StatusOr<std::shared_ptr<FileData>> found = FileFor(path, "stat", "stat");
    if (!found.ok()) return found.status();
    data = *std::move(found);
  }
  MutexLock lock(&data->mu);
  return static_cast<uint64_t>(data->bytes.size());
}

absl::StatusOr<bool> MemFs::IsDirectory(const std::string& path) {
  const std::string p = Normalize(path);
  ReaderMutexLock lock(&mu_);
  const Node* node = p.empty() ? nullptr : Find(p);
  if (node == nullptr) return ErrnoToStatus(p.empty() ? ENOENT : MissingErrno(p), "stat", path);
  return node->is_dir;
}

absl::StatusOr<std::vector<std::string>> MemFs::ListDir(const std::string& path) {
  const std::string p = Normalize(path);
  ReaderMutexLock lock(&mu_);
  const Node* node = p.empty() ? nullptr : Find(p);
  if (node == nullptr) return ErrnoToStatus(p.empty() ? ENOENT : MissingErrno(p), "open", path);
  if (!node->is_dir) return ErrnoToStatus(ENOTDIR, "open", path);
  const std::string prefix = ChildPrefix(p);
  std::vector<std::string> names;
  for (auto it = nodes_.lower_bound(prefix); it != nodes_.end() && it->first.starts_with(prefix);
       ++it) {
    std::string_view rest = std::string_view(it->first).substr(prefix.size());
    if (rest.empty() || rest.find('/') != std::string_view::npos) continue;
    names.emplace_back(rest);
  }
  return names;  // std::map order is byte order
}

absl::Status MemFs::Remove(const std::string& path) {
  const std::string p = Normalize(path);
  MutexLock lock(&mu_);
  auto it = p.empty() ? nodes_.end() : nodes_.find(p);
  if (it == nodes_.end())
    return ErrnoToStatus(p.empty() ? ENOENT : MissingErrno(p), "remove", path);
  if (p == "/") return ErrnoToStatus(EBUSY, "remove", path);
  if (it->second.is_dir && HasChildren(p)) return ErrnoToStatus(ENOTEMPTY, "remove", path);
  nodes_.erase(it);
  return absl::OkStatus();
}

absl::Status MemFs::RemoveAll(const std::string& path) {
  const std::string p = Normalize(path);
  MutexLock lock(&mu_);
  if (p.empty()) return absl::OkStatus();
  auto it = nodes_.find(p);
  if (it == nodes_.end()) return absl::OkStatus();
  if (it->second.is_dir) {
    const std::string prefix = ChildPrefix(p);
    auto first = nodes_.lower_bound(prefix);
    if (first != nodes_.end() && first->first == prefix) ++first;  // "/" itself
    auto last = first;
    while (last != nodes_.end() && last->first.starts_with(prefix)) ++last;
    nodes_.erase(first, last);
  }
  if (p != "/") nodes_.erase(p);
  return absl::OkStatus();
}

absl::Status MemFs::Rename(const std::string& from, const std::string& to) {
  const std::string f = Normalize(from);
  const std::string t = Normalize(to);
  const std::string what = from + " " + to;
  MutexLock lock(&mu_);
  auto src = f.empty() ? nodes_.end() : nodes_.find(f);
  if (src == nodes_.end())
    return ErrnoToStatus(f.empty() ? ENOENT : MissingErrno(f), "rename", what);
  if (t.empty()) return ErrnoToStatus(ENOENT, "rename", what);
  if (int err = ParentErrno(t); err != 0) return ErrnoToStatus(err, "rename", what);
  if (f == t) return absl::OkStatus();
  const bool src_dir = src->second.is_dir;
  if (f == "/" || t == "/") return ErrnoToStatus(EBUSY, "rename", what);
  if (src_dir && t.starts_with(ChildPrefix(f))) return ErrnoToStatus(EINVAL, "rename", what);
  if (auto dst = nodes_.find(t); dst != nodes_.end()) {
    if (src_dir && !dst->second.is_dir) return ErrnoToStatus(ENOTDIR, "rename", what);
    if (!src_dir && dst->second.is_dir) return ErrnoToStatus(EISDIR, "rename", what);
    if (dst->second.is_dir && HasChildren(t)) return ErrnoToStatus(ENOTEMPTY, "rename", what);
    nodes_.erase(dst);
  }
  Node moved = src->second;
  nodes_.erase(src);
  nodes_[t] = std::move(moved);
  if (src_dir) {
    // Re-key the subtree.
    const std::string old_prefix = ChildPrefix(f);
    const std::string new_prefix = ChildPrefix(t);
    std::vector<std::pair<std::string, Node>> subtree;
    auto it = nodes_.lower_bound(old_prefix);
    while (it != nodes_.end() && it->first.starts_with(old_prefix)) {
      subtree.emplace_back(new_prefix + it->first.substr(old_prefix.size()), std::move(it->second));
      it = nodes_.erase(it);
    }
    for (auto& [key, node] : subtree) nodes_[key] = std::move(node);
  }
  return absl::OkStatus();
}

absl::Status MemFs::SyncDir(const std::string& path) {
  const std::string p = Normalize(path);
  ReaderMutexLock lock(&mu_);
  const Node* node = p.empty() ? nullptr : Find(p);
  if (node == nullptr) return ErrnoToStatus(p.empty() ? ENOENT : MissingErrno(p), "open", path);
  if (!node->is_dir) return ErrnoToStatus(ENOTDIR, "open", path);
  return absl::OkStatus();
}

}  // namespace reclaim
