// File: core/json_fields.h
//
// Which member of a JSON object Go's encoding/json stores into a struct field.
// containerd and moby read manifests, indexes, configs and manifest.json with
// json.Unmarshal into structs, so a document reclaim accepts must mean what it
// means to them: a key names a field when it is the field's name exactly or
// equal to it under Go's case folding, and unknown keys are ignored.
//
//   const nlohmann::json* os = FindJsonField(config, "os");   // "os", "OS", "Os"…
//   if (os == nullptr) { /* the field keeps its zero value */ }
//
// Case folding is Go's (encoding/json foldName, bytes.EqualFold): ASCII
// letters match either case, and the two non-ASCII runes whose case orbit
// reaches ASCII fold with it — U+212A KELVIN SIGN with `k`/`K` and U+017F
// LATIN SMALL LETTER LONG S with `s`/`S`. Any other non-ASCII rune matches
// only itself, and every invalid UTF-8 byte reads as U+FFFD (as in Go). That
// is exact for the ASCII field names reclaim asks for; a non-ASCII field name
// would fold only as far as this goes.
//
// Several keys can name one field ({"os":…,"OS":…}); Go stores each in
// document order, so the last one wins. nlohmann::json keeps an object's keys
// sorted, not in document order, and keeps only the last of keys spelt
// identically (as Go would), so among differently spelt keys this picks the
// exact spelling, else the first in byte order. JSON `null` leaves a Go
// string, number, bool or struct field unchanged, so a null key never hides a
// value another spelling carries: FindJsonField skips nulls, and returns
// nullptr when no key gives the field a value (the field stays zero). (For a
// map, slice or pointer field Go would clear the value when the null comes
// last in the document; the order is not known here.)
//
// Thread-safety: pure functions.
#ifndef RECLAIM_CORE_JSON_FIELDS_H_
#define RECLAIM_CORE_JSON_FIELDS_H_

#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace reclaim {

// True when the object key `key` names the field `name` (exactly or under
// Go's folding).
bool JsonKeyNamesField(std::string_view key, std::string_view name);

// The value Go decodes into the field `name` of a struct from `object`, as
// described above; nullptr when `object` is not an object or no non-null key
// names the field.
const nlohmann::json* FindJsonField(const nlohmann::json& object, std::string_view name);

// True when some key of `object` names the field, null values included: a
// json.RawMessage field is filled even by `null` (containerd's media-type
// checks test such fields for presence).
bool HasJsonField(const nlohmann::json& object, std::string_view name);

}  // namespace reclaim

#endif  // RECLAIM_CORE_JSON_FIELDS_H_
