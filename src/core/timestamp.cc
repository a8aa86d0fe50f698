// File: core/timestamp.cc
//
// moby master's daemon/internal/timestamp.Parse over faithful re-creations of
// the Go standard-library pieces it leans on: time.ParseDuration, time.Parse
// for the handful of layouts it uses, strconv.ParseInt, strings.TrimSpace, and
// the two quoting styles that show up in its errors (time's own `quote` in
// time.ParseError, strconv.Quote / QuoteRune behind fmt's %q). Behaviour was
// reproduced from Go's documented and observed semantics; see prune.md §2.3.
#include "core/timestamp.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/time/civil_time.h"

namespace reclaim {
namespace {

constexpr std::string_view kFailedPrefix = "failed to parse value as time or duration: ";
constexpr char kLowerHex[] = "0123456789abcdef";
constexpr char32_t kRuneError = 0xFFFD;
constexpr char32_t kMaxRune = 0x10FFFF;

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(message); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// isDigit(s, i) of Go's time package: s[i] exists and is a decimal digit.
bool IsDigitAt(std::string_view s, size_t i) { return i < s.size() && IsDigit(s[i]); }

// ---------------------------------------------------------------------------
// UTF-8 and Unicode facts Go's quoting depends on.

struct DecodedRune {
  char32_t rune;
  size_t width;
};

// Go's utf8.DecodeRuneInString on a non-empty `s`: any malformed, truncated,
// overlong or surrogate sequence decodes as (U+FFFD, 1).
DecodedRune DecodeRune(std::string_view s) {
  const auto byte_at = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte_at(0);
  if (b0 < 0x80) return {b0, 1};
  constexpr DecodedRune kBad{kRuneError, 1};
  size_t width = 0;
  char32_t rune = 0;
  unsigned char lo = 0x80;  // allowed range of the second byte
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    width = 2;
    rune = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    width = 3;
    rune = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlongs
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    width = 4;
    rune = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // no overlongs
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return kBad;
  }
  if (s.size() < width) return kBad;
  for (size_t i = 1; i < width; ++i) {
    const unsigned char b = byte_at(i);
    const unsigned char min = i == 1 ? lo : 0x80;
    const unsigned char max = i == 1 ? hi : 0xBF;
    if (b < min || b > max) return kBad;
    rune = (rune << 6) | (b & 0x3F);
  }
  return {rune, width};
}

void AppendUtf8(std::string& out, char32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

// Code points above U+00FF that Go's strconv.IsPrint / unicode.IsPrint accept:
// general categories L, M, N, P and S. Generated from Unicode 15.0.0 (the
// edition of Go 1.21 onwards) with ICU 72's u_charType; closed ranges,
// sorted, disjoint. The first entry also covers U+00A1..U+00AC, which the
// Latin-1 rule in IsGoPrint handles before the table is consulted.
constexpr std::pair<char32_t, char32_t> kPrintRanges[] = {
    {0x00A1, 0x00AC},   {0x00AE, 0x0377},   {0x037A, 0x037F},   {0x0384, 0x038A},
    {0x038C, 0x038C},   {0x038E, 0x03A1},   {0x03A3, 0x052F},   {0x0531, 0x0556},
    {0x0559, 0x058A},   {0x058D, 0x058F},   {0x0591, 0x05C7},   {0x05D0, 0x05EA},
    {0x05EF, 0x05F4},   {0x0606, 0x061B},   {0x061D, 0x06DC},   {0x06DE, 0x070D},
    {0x0710, 0x074A},   {0x074D, 0x07B1},   {0x07C0, 0x07FA},   {0x07FD, 0x082D},
    {0x0830, 0x083E},   {0x0840, 0x085B},   {0x085E, 0x085E},   {0x0860, 0x086A},
    {0x0870, 0x088E},   {0x0898, 0x08E1},   {0x08E3, 0x0983},   {0x0985, 0x098C},
    {0x098F, 0x0990},   {0x0993, 0x09A8},   {0x09AA, 0x09B0},   {0x09B2, 0x09B2},
    {0x09B6, 0x09B9},   {0x09BC, 0x09C4},   {0x09C7, 0x09C8},   {0x09CB, 0x09CE},
    {0x09D7, 0x09D7},   {0x09DC, 0x09DD},   {0x09DF, 0x09E3},   {0x09E6, 0x09FE},
    {0x0A01, 0x0A03},   {0x0A05, 0x0A0A},   {0x0A0F, 0x0A10},   {0x0A13, 0x0A28},
    {0x0A2A, 0x0A30},   {0x0A32, 0x0A33},   {0x0A35, 0x0A36},   {0x0A38, 0x0A39},
    {0x0A3C, 0x0A3C},   {0x0A3E, 0x0A42},   {0x0A47, 0x0A48},   {0x0A4B, 0x0A4D},
    {0x0A51, 0x0A51},   {0x0A59, 0x0A5C},   {0x0A5E, 0x0A5E},   {0x0A66, 0x0A76},
    {0x0A81, 0x0A83},   {0x0A85, 0x0A8D},   {0x0A8F, 0x0A91},   {0x0A93, 0x0AA8},
    {0x0AAA, 0x0AB0},   {0x0AB2, 0x0AB3},   {0x0AB5, 0x0AB9},   {0x0ABC, 0x0AC5},
    {0x0AC7, 0x0AC9},   {0x0ACB, 0x0ACD},   {0x0AD0, 0x0AD0},   {0x0AE0, 0x0AE3},
    {0x0AE6, 0x0AF1},   {0x0AF9, 0x0AFF},   {0x0B01, 0x0B03},   {0x0B05, 0x0B0C},
    {0x0B0F, 0x0B10},   {0x0B13, 0x0B28},   {0x0B2A, 0x0B30},   {0x0B32, 0x0B33},
    {0x0B35, 0x0B39},   {0x0B3C, 0x0B44},   {0x0B47, 0x0B48},   {0x0B4B, 0x0B4D},
    {0x0B55, 0x0B57},   {0x0B5C, 0x0B5D},   {0x0B5F, 0x0B63},   {0x0B66, 0x0B77},
    {0x0B82, 0x0B83},   {0x0B85, 0x0B8A},   {0x0B8E, 0x0B90},   {0x0B92, 0x0B95},
    {0x0B99, 0x0B9A},   {0x0B9C, 0x0B9C},   {0x0B9E, 0x0B9F},   {0x0BA3, 0x0BA4},
    {0x0BA8, 0x0BAA},   {0x0BAE, 0x0BB9},   {0x0BBE, 0x0BC2},   {0x0BC6, 0x0BC8},
    {0x0BCA, 0x0BCD},   {0x0BD0, 0x0BD0},   {0x0BD7, 0x0BD7},   {0x0BE6, 0x0BFA},
    {0x0C00, 0x0C0C},   {0x0C0E, 0x0C10},   {0x0C12, 0x0C28},   {0x0C2A, 0x0C39},
    {0x0C3C, 0x0C44},   {0x0C46, 0x0C48},   {0x0C4A, 0x0C4D},   {0x0C55, 0x0C56},
    {0x0C58, 0x0C5A},   {0x0C5D, 0x0C5D},   {0x0C60, 0x0C63},   {0x0C66, 0x0C6F},
    {0x0C77, 0x0C8C},   {0x0C8E, 0x0C90},   {0x0C92, 0x0CA8},   {0x0CAA, 0x0CB3},
    {0x0CB5, 0x0CB9},   {0x0CBC, 0x0CC4},   {0x0CC6, 0x0CC8},   {0x0CCA, 0x0CCD},
    {0x0CD5, 0x0CD6},   {0x0CDD, 0x0CDE},   {0x0CE0, 0x0CE3},   {0x0CE6, 0x0CEF},
    {0x0CF1, 0x0CF3},   {0x0D00, 0x0D0C},   {0x0D0E, 0x0D10},   {0x0D12, 0x0D44},
    {0x0D46, 0x0D48},   {0x0D4A, 0x0D4F},   {0x0D54, 0x0D63},   {0x0D66, 0x0D7F},
    {0x0D81, 0x0D83},   {0x0D85, 0x0D96},   {0x0D9A, 0x0DB1},   {0x0DB3, 0x0DBB},
    {0x0DBD, 0x0DBD},   {0x0DC0, 0x0DC6},   {0x0DCA, 0x0DCA},   {0x0DCF, 0x0DD4},
    {0x0DD6, 0x0DD6},   {0x0DD8, 0x0DDF},   {0x0DE6, 0x0DEF},   {0x0DF2, 0x0DF4},
    {0x0E01, 0x0E3A},   {0x0E3F, 0x0E5B},   {0x0E81, 0x0E82},   {0x0E84, 0x0E84},
    {0x0E86, 0x0E8A},   {0x0E8C, 0x0EA3},   {0x0EA5, 0x0EA5},   {0x0EA7, 0x0EBD},
    {0x0EC0, 0x0EC4},   {0x0EC6, 0x0EC6},   {0x0EC8, 0x0ECE},   {0x0ED0, 0x0ED9},
    {0x0EDC, 0x0EDF},   {0x0F00, 0x0F47},   {0x0F49, 0x0F6C},   {0x0F71, 0x0F97},
    {0x0F99, 0x0FBC},   {0x0FBE, 0x0FCC},   {0x0FCE, 0x0FDA},   {0x1000, 0x10C5},
    {0x10C7, 0x10C7},   {0x10CD, 0x10CD},   {0x10D0, 0x1248},   {0x124A, 0x124D},
    {0x1250, 0x1256},   {0x1258, 0x1258},   {0x125A, 0x125D},   {0x1260, 0x1288},
    {0x128A, 0x128D},   {0x1290, 0x12B0},   {0x12B2, 0x12B5},   {0x12B8, 0x12BE},
    {0x12C0, 0x12C0},   {0x12C2, 0x12C5},   {0x12C8, 0x12D6},   {0x12D8, 0x1310},
    {0x1312, 0x1315},   {0x1318, 0x135A},   {0x135D, 0x137C},   {0x1380, 0x1399},
    {0x13A0, 0x13F5},   {0x13F8, 0x13FD},   {0x1400, 0x167F},   {0x1681, 0x169C},
    {0x16A0, 0x16F8},   {0x1700, 0x1715},   {0x171F, 0x1736},   {0x1740, 0x1753},
    {0x1760, 0x176C},   {0x176E, 0x1770},   {0x1772, 0x1773},   {0x1780, 0x17DD},
    {0x17E0, 0x17E9},   {0x17F0, 0x17F9},   {0x1800, 0x180D},   {0x180F, 0x1819},
    {0x1820, 0x1878},   {0x1880, 0x18AA},   {0x18B0, 0x18F5},   {0x1900, 0x191E},
    {0x1920, 0x192B},   {0x1930, 0x193B},   {0x1940, 0x1940},   {0x1944, 0x196D},
    {0x1970, 0x1974},   {0x1980, 0x19AB},   {0x19B0, 0x19C9},   {0x19D0, 0x19DA},
    {0x19DE, 0x1A1B},   {0x1A1E, 0x1A5E},   {0x1A60, 0x1A7C},   {0x1A7F, 0x1A89},
    {0x1A90, 0x1A99},   {0x1AA0, 0x1AAD},   {0x1AB0, 0x1ACE},   {0x1B00, 0x1B4C},
    {0x1B50, 0x1B7E},   {0x1B80, 0x1BF3},   {0x1BFC, 0x1C37},   {0x1C3B, 0x1C49},
    {0x1C4D, 0x1C88},   {0x1C90, 0x1CBA},   {0x1CBD, 0x1CC7},   {0x1CD0, 0x1CFA},
    {0x1D00, 0x1F15},   {0x1F18, 0x1F1D},   {0x1F20, 0x1F45},   {0x1F48, 0x1F4D},
    {0x1F50, 0x1F57},   {0x1F59, 0x1F59},   {0x1F5B, 0x1F5B},   {0x1F5D, 0x1F5D},
    {0x1F5F, 0x1F7D},   {0x1F80, 0x1FB4},   {0x1FB6, 0x1FC4},   {0x1FC6, 0x1FD3},
    {0x1FD6, 0x1FDB},   {0x1FDD, 0x1FEF},   {0x1FF2, 0x1FF4},   {0x1FF6, 0x1FFE},
    {0x2010, 0x2027},   {0x2030, 0x205E},   {0x2070, 0x2071},   {0x2074, 0x208E},
    {0x2090, 0x209C},   {0x20A0, 0x20C0},   {0x20D0, 0x20F0},   {0x2100, 0x218B},
    {0x2190, 0x2426},   {0x2440, 0x244A},   {0x2460, 0x2B73},   {0x2B76, 0x2B95},
    {0x2B97, 0x2CF3},   {0x2CF9, 0x2D25},   {0x2D27, 0x2D27},   {0x2D2D, 0x2D2D},
    {0x2D30, 0x2D67},   {0x2D6F, 0x2D70},   {0x2D7F, 0x2D96},   {0x2DA0, 0x2DA6},
    {0x2DA8, 0x2DAE},   {0x2DB0, 0x2DB6},   {0x2DB8, 0x2DBE},   {0x2DC0, 0x2DC6},
    {0x2DC8, 0x2DCE},   {0x2DD0, 0x2DD6},   {0x2DD8, 0x2DDE},   {0x2DE0, 0x2E5D},
    {0x2E80, 0x2E99},   {0x2E9B, 0x2EF3},   {0x2F00, 0x2FD5},   {0x2FF0, 0x2FFB},
    {0x3001, 0x303F},   {0x3041, 0x3096},   {0x3099, 0x30FF},   {0x3105, 0x312F},
    {0x3131, 0x318E},   {0x3190, 0x31E3},   {0x31F0, 0x321E},   {0x3220, 0xA48C},
    {0xA490, 0xA4C6},   {0xA4D0, 0xA62B},   {0xA640, 0xA6F7},   {0xA700, 0xA7CA},
    {0xA7D0, 0xA7D1},   {0xA7D3, 0xA7D3},   {0xA7D5, 0xA7D9},   {0xA7F2, 0xA82C},
    {0xA830, 0xA839},   {0xA840, 0xA877},   {0xA880, 0xA8C5},   {0xA8CE, 0xA8D9},
    {0xA8E0, 0xA953},   {0xA95F, 0xA97C},   {0xA980, 0xA9CD},   {0xA9CF, 0xA9D9},
    {0xA9DE, 0xA9FE},   {0xAA00, 0xAA36},   {0xAA40, 0xAA4D},   {0xAA50, 0xAA59},
    {0xAA5C, 0xAAC2},   {0xAADB, 0xAAF6},   {0xAB01, 0xAB06},   {0xAB09, 0xAB0E},
    {0xAB11, 0xAB16},   {0xAB20, 0xAB26},   {0xAB28, 0xAB2E},   {0xAB30, 0xAB6B},
    {0xAB70, 0xABED},   {0xABF0, 0xABF9},   {0xAC00, 0xD7A3},   {0xD7B0, 0xD7C6},
    {0xD7CB, 0xD7FB},   {0xF900, 0xFA6D},   {0xFA70, 0xFAD9},   {0xFB00, 0xFB06},
    {0xFB13, 0xFB17},   {0xFB1D, 0xFB36},   {0xFB38, 0xFB3C},   {0xFB3E, 0xFB3E},
    {0xFB40, 0xFB41},   {0xFB43, 0xFB44},   {0xFB46, 0xFBC2},   {0xFBD3, 0xFD8F},
    {0xFD92, 0xFDC7},   {0xFDCF, 0xFDCF},   {0xFDF0, 0xFE19},   {0xFE20, 0xFE52},
    {0xFE54, 0xFE66},   {0xFE68, 0xFE6B},   {0xFE70, 0xFE74},   {0xFE76, 0xFEFC},
    {0xFF01, 0xFFBE},   {0xFFC2, 0xFFC7},   {0xFFCA, 0xFFCF},   {0xFFD2, 0xFFD7},
    {0xFFDA, 0xFFDC},   {0xFFE0, 0xFFE6},   {0xFFE8, 0xFFEE},   {0xFFFC, 0xFFFD},
    {0x10000, 0x1000B}, {0x1000D, 0x10026}, {0x10028, 0x1003A}, {0x1003C, 0x1003D},
    {0x1003F, 0x1004D}, {0x10050, 0x1005D}, {0x10080, 0x100FA}, {0x10100, 0x10102},
    {0x10107, 0x10133}, {0x10137, 0x1018E}, {0x10190, 0x1019C}, {0x101A0, 0x101A0},
    {0x101D0, 0x101FD}, {0x10280, 0x1029C}, {0x102A0, 0x102D0}, {0x102E0, 0x102FB},
    {0x10300, 0x10323}, {0x1032D, 0x1034A}, {0x10350, 0x1037A}, {0x10380, 0x1039D},
    {0x1039F, 0x103C3}, {0x103C8, 0x103D5}, {0x10400, 0x1049D}, {0x104A0, 0x104A9},
    {0x104B0, 0x104D3}, {0x104D8, 0x104FB}, {0x10500, 0x10527}, {0x10530, 0x10563},
    {0x1056F, 0x1057A}, {0x1057C, 0x1058A}, {0x1058C, 0x10592}, {0x10594, 0x10595},
    {0x10597, 0x105A1}, {0x105A3, 0x105B1}, {0x105B3, 0x105B9}, {0x105BB, 0x105BC},
    {0x10600, 0x10736}, {0x10740, 0x10755}, {0x10760, 0x10767}, {0x10780, 0x10785},
    {0x10787, 0x107B0}, {0x107B2, 0x107BA}, {0x10800, 0x10805}, {0x10808, 0x10808},
    {0x1080A, 0x10835}, {0x10837, 0x10838}, {0x1083C, 0x1083C}, {0x1083F, 0x10855},
    {0x10857, 0x1089E}, {0x108A7, 0x108AF}, {0x108E0, 0x108F2}, {0x108F4, 0x108F5},
    {0x108FB, 0x1091B}, {0x1091F, 0x10939}, {0x1093F, 0x1093F}, {0x10980, 0x109B7},
    {0x109BC, 0x109CF}, {0x109D2, 0x10A03}, {0x10A05, 0x10A06}, {0x10A0C, 0x10A13},
    {0x10A15, 0x10A17}, {0x10A19, 0x10A35}, {0x10A38, 0x10A3A}, {0x10A3F, 0x10A48},
    {0x10A50, 0x10A58}, {0x10A60, 0x10A9F}, {0x10AC0, 0x10AE6}, {0x10AEB, 0x10AF6},
    {0x10B00, 0x10B35}, {0x10B39, 0x10B55}, {0x10B58, 0x10B72}, {0x10B78, 0x10B91},
    {0x10B99, 0x10B9C}, {0x10BA9, 0x10BAF}, {0x10C00, 0x10C48}, {0x10C80, 0x10CB2},
    {0x10CC0, 0x10CF2}, {0x10CFA, 0x10D27}, {0x10D30, 0x10D39}, {0x10E60, 0x10E7E},
    {0x10E80, 0x10EA9}, {0x10EAB, 0x10EAD}, {0x10EB0, 0x10EB1}, {0x10EFD, 0x10F27},
    {0x10F30, 0x10F59}, {0x10F70, 0x10F89}, {0x10FB0, 0x10FCB}, {0x10FE0, 0x10FF6},
    {0x11000, 0x1104D}, {0x11052, 0x11075}, {0x1107F, 0x110BC}, {0x110BE, 0x110C2},
    {0x110D0, 0x110E8}, {0x110F0, 0x110F9}, {0x11100, 0x11134}, {0x11136, 0x11147},
    {0x11150, 0x11176}, {0x11180, 0x111DF}, {0x111E1, 0x111F4}, {0x11200, 0x11211},
    {0x11213, 0x11241}, {0x11280, 0x11286}, {0x11288, 0x11288}, {0x1128A, 0x1128D},
    {0x1128F, 0x1129D}, {0x1129F, 0x112A9}, {0x112B0, 0x112EA}, {0x112F0, 0x112F9},
    {0x11300, 0x11303}, {0x11305, 0x1130C}, {0x1130F, 0x11310}, {0x11313, 0x11328},
    {0x1132A, 0x11330}, {0x11332, 0x11333}, {0x11335, 0x11339}, {0x1133B, 0x11344},
    {0x11347, 0x11348}, {0x1134B, 0x1134D}, {0x11350, 0x11350}, {0x11357, 0x11357},
    {0x1135D, 0x11363}, {0x11366, 0x1136C}, {0x11370, 0x11374}, {0x11400, 0x1145B},
    {0x1145D, 0x11461}, {0x11480, 0x114C7}, {0x114D0, 0x114D9}, {0x11580, 0x115B5},
    {0x115B8, 0x115DD}, {0x11600, 0x11644}, {0x11650, 0x11659}, {0x11660, 0x1166C},
    {0x11680, 0x116B9}, {0x116C0, 0x116C9}, {0x11700, 0x1171A}, {0x1171D, 0x1172B},
    {0x11730, 0x11746}, {0x11800, 0x1183B}, {0x118A0, 0x118F2}, {0x118FF, 0x11906},
    {0x11909, 0x11909}, {0x1190C, 0x11913}, {0x11915, 0x11916}, {0x11918, 0x11935},
    {0x11937, 0x11938}, {0x1193B, 0x11946}, {0x11950, 0x11959}, {0x119A0, 0x119A7},
    {0x119AA, 0x119D7}, {0x119DA, 0x119E4}, {0x11A00, 0x11A47}, {0x11A50, 0x11AA2},
    {0x11AB0, 0x11AF8}, {0x11B00, 0x11B09}, {0x11C00, 0x11C08}, {0x11C0A, 0x11C36},
    {0x11C38, 0x11C45}, {0x11C50, 0x11C6C}, {0x11C70, 0x11C8F}, {0x11C92, 0x11CA7},
    {0x11CA9, 0x11CB6}, {0x11D00, 0x11D06}, {0x11D08, 0x11D09}, {0x11D0B, 0x11D36},
    {0x11D3A, 0x11D3A}, {0x11D3C, 0x11D3D}, {0x11D3F, 0x11D47}, {0x11D50, 0x11D59},
    {0x11D60, 0x11D65}, {0x11D67, 0x11D68}, {0x11D6A, 0x11D8E}, {0x11D90, 0x11D91},
    {0x11D93, 0x11D98}, {0x11DA0, 0x11DA9}, {0x11EE0, 0x11EF8}, {0x11F00, 0x11F10},
    {0x11F12, 0x11F3A}, {0x11F3E, 0x11F59}, {0x11FB0, 0x11FB0}, {0x11FC0, 0x11FF1},
    {0x11FFF, 0x12399}, {0x12400, 0x1246E}, {0x12470, 0x12474}, {0x12480, 0x12543},
    {0x12F90, 0x12FF2}, {0x13000, 0x1342F}, {0x13440, 0x13455}, {0x14400, 0x14646},
    {0x16800, 0x16A38}, {0x16A40, 0x16A5E}, {0x16A60, 0x16A69}, {0x16A6E, 0x16ABE},
    {0x16AC0, 0x16AC9}, {0x16AD0, 0x16AED}, {0x16AF0, 0x16AF5}, {0x16B00, 0x16B45},
    {0x16B50, 0x16B59}, {0x16B5B, 0x16B61}, {0x16B63, 0x16B77}, {0x16B7D, 0x16B8F},
    {0x16E40, 0x16E9A}, {0x16F00, 0x16F4A}, {0x16F4F, 0x16F87}, {0x16F8F, 0x16F9F},
    {0x16FE0, 0x16FE4}, {0x16FF0, 0x16FF1}, {0x17000, 0x187F7}, {0x18800, 0x18CD5},
    {0x18D00, 0x18D08}, {0x1AFF0, 0x1AFF3}, {0x1AFF5, 0x1AFFB}, {0x1AFFD, 0x1AFFE},
    {0x1B000, 0x1B122}, {0x1B132, 0x1B132}, {0x1B150, 0x1B152}, {0x1B155, 0x1B155},
    {0x1B164, 0x1B167}, {0x1B170, 0x1B2FB}, {0x1BC00, 0x1BC6A}, {0x1BC70, 0x1BC7C},
    {0x1BC80, 0x1BC88}, {0x1BC90, 0x1BC99}, {0x1BC9C, 0x1BC9F}, {0x1CF00, 0x1CF2D},
    {0x1CF30, 0x1CF46}, {0x1CF50, 0x1CFC3}, {0x1D000, 0x1D0F5}, {0x1D100, 0x1D126},
    {0x1D129, 0x1D172}, {0x1D17B, 0x1D1EA}, {0x1D200, 0x1D245}, {0x1D2C0, 0x1D2D3},
    {0x1D2E0, 0x1D2F3}, {0x1D300, 0x1D356}, {0x1D360, 0x1D378}, {0x1D400, 0x1D454},
    {0x1D456, 0x1D49C}, {0x1D49E, 0x1D49F}, {0x1D4A2, 0x1D4A2}, {0x1D4A5, 0x1D4A6},
    {0x1D4A9, 0x1D4AC}, {0x1D4AE, 0x1D4B9}, {0x1D4BB, 0x1D4BB}, {0x1D4BD, 0x1D4C3},
    {0x1D4C5, 0x1D505}, {0x1D507, 0x1D50A}, {0x1D50D, 0x1D514}, {0x1D516, 0x1D51C},
    {0x1D51E, 0x1D539}, {0x1D53B, 0x1D53E}, {0x1D540, 0x1D544}, {0x1D546, 0x1D546},
    {0x1D54A, 0x1D550}, {0x1D552, 0x1D6A5}, {0x1D6A8, 0x1D7CB}, {0x1D7CE, 0x1DA8B},
    {0x1DA9B, 0x1DA9F}, {0x1DAA1, 0x1DAAF}, {0x1DF00, 0x1DF1E}, {0x1DF25, 0x1DF2A},
    {0x1E000, 0x1E006}, {0x1E008, 0x1E018}, {0x1E01B, 0x1E021}, {0x1E023, 0x1E024},
    {0x1E026, 0x1E02A}, {0x1E030, 0x1E06D}, {0x1E08F, 0x1E08F}, {0x1E100, 0x1E12C},
    {0x1E130, 0x1E13D}, {0x1E140, 0x1E149}, {0x1E14E, 0x1E14F}, {0x1E290, 0x1E2AE},
    {0x1E2C0, 0x1E2F9}, {0x1E2FF, 0x1E2FF}, {0x1E4D0, 0x1E4F9}, {0x1E7E0, 0x1E7E6},
    {0x1E7E8, 0x1E7EB}, {0x1E7ED, 0x1E7EE}, {0x1E7F0, 0x1E7FE}, {0x1E800, 0x1E8C4},
    {0x1E8C7, 0x1E8D6}, {0x1E900, 0x1E94B}, {0x1E950, 0x1E959}, {0x1E95E, 0x1E95F},
    {0x1EC71, 0x1ECB4}, {0x1ED01, 0x1ED3D}, {0x1EE00, 0x1EE03}, {0x1EE05, 0x1EE1F},
    {0x1EE21, 0x1EE22}, {0x1EE24, 0x1EE24}, {0x1EE27, 0x1EE27}, {0x1EE29, 0x1EE32},
    {0x1EE34, 0x1EE37}, {0x1EE39, 0x1EE39}, {0x1EE3B, 0x1EE3B}, {0x1EE42, 0x1EE42},
    {0x1EE47, 0x1EE47}, {0x1EE49, 0x1EE49}, {0x1EE4B, 0x1EE4B}, {0x1EE4D, 0x1EE4F},
    {0x1EE51, 0x1EE52}, {0x1EE54, 0x1EE54}, {0x1EE57, 0x1EE57}, {0x1EE59, 0x1EE59},
    {0x1EE5B, 0x1EE5B}, {0x1EE5D, 0x1EE5D}, {0x1EE5F, 0x1EE5F}, {0x1EE61, 0x1EE62},
    {0x1EE64, 0x1EE64}, {0x1EE67, 0x1EE6A}, {0x1EE6C, 0x1EE72}, {0x1EE74, 0x1EE77},
    {0x1EE79, 0x1EE7C}, {0x1EE7E, 0x1EE7E}, {0x1EE80, 0x1EE89}, {0x1EE8B, 0x1EE9B},
    {0x1EEA1, 0x1EEA3}, {0x1EEA5, 0x1EEA9}, {0x1EEAB, 0x1EEBB}, {0x1EEF0, 0x1EEF1},
    {0x1F000, 0x1F02B}, {0x1F030, 0x1F093}, {0x1F0A0, 0x1F0AE}, {0x1F0B1, 0x1F0BF},
    {0x1F0C1, 0x1F0CF}, {0x1F0D1, 0x1F0F5}, {0x1F100, 0x1F1AD}, {0x1F1E6, 0x1F202},
    {0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251}, {0x1F260, 0x1F265},
    {0x1F300, 0x1F6D7}, {0x1F6DC, 0x1F6EC}, {0x1F6F0, 0x1F6FC}, {0x1F700, 0x1F776},
    {0x1F77B, 0x1F7D9}, {0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0}, {0x1F800, 0x1F80B},
    {0x1F810, 0x1F847}, {0x1F850, 0x1F859}, {0x1F860, 0x1F887}, {0x1F890, 0x1F8AD},
    {0x1F8B0, 0x1F8B1}, {0x1F900, 0x1FA53}, {0x1FA60, 0x1FA6D}, {0x1FA70, 0x1FA7C},
    {0x1FA80, 0x1FA88}, {0x1FA90, 0x1FABD}, {0x1FABF, 0x1FAC5}, {0x1FACE, 0x1FADB},
    {0x1FAE0, 0x1FAE8}, {0x1FAF0, 0x1FAF8}, {0x1FB00, 0x1FB92}, {0x1FB94, 0x1FBCA},
    {0x1FBF0, 0x1FBF9}, {0x20000, 0x2A6DF}, {0x2A700, 0x2B739}, {0x2B740, 0x2B81D},
    {0x2B820, 0x2CEA1}, {0x2CEB0, 0x2EBE0}, {0x2F800, 0x2FA1D}, {0x30000, 0x3134A},
    {0x31350, 0x323AF}, {0xE0100, 0xE01EF},
};

// Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the
// ASCII space.
bool IsGoPrint(char32_t r) {
  if (r <= 0xFF) {
    if (r >= 0x20 && r <= 0x7E) return true;
    if (r >= 0xA1) return r != 0xAD;  // soft hyphen is a format character
    return false;
  }
  const auto* it = std::upper_bound(std::begin(kPrintRanges), std::end(kPrintRanges), r,
                                    [](char32_t value, const std::pair<char32_t, char32_t>& range) {
                                      return value < range.first;
                                    });
  if (it == std::begin(kPrintRanges)) return false;
  --it;
  return r <= it->second;
}

// Go's unicode.IsSpace (the White_Space property).
bool IsGoSpace(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// strings.TrimSpace(s) == "" in Go.
bool IsBlank(std::string_view s) {
  while (!s.empty()) {
    const DecodedRune d = DecodeRune(s);
    // An undecodable byte decodes as U+FFFD, which is not a space.
    if (!IsGoSpace(d.rune)) return false;
    s.remove_prefix(d.width);
  }
  return true;
}

void AppendHexEscape(std::string& out, char kind, uint32_t value, int digits) {
  out += '\\';
  out += kind;
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    out += kLowerHex[(value >> shift) & 0xF];
  }
}

// One rune of a Go strconv quoted literal delimited by `quote`.
void AppendEscapedRune(std::string& out, char32_t r, char quote) {
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out += '\\';
    out += static_cast<char>(r);
    return;
  }
  if (IsGoPrint(r)) {
    AppendUtf8(out, r);
    return;
  }
  switch (r) {
    case '\a':
      out += "\\a";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\v':
      out += "\\v";
      return;
    default:
      break;
  }
  if (r < ' ' || r == 0x7F) {
    AppendHexEscape(out, 'x', r, 2);
  } else if (r > kMaxRune || (r >= 0xD800 && r <= 0xDFFF)) {
    AppendHexEscape(out, 'u', kRuneError, 4);
  } else if (r < 0x10000) {
    AppendHexEscape(out, 'u', r, 4);
  } else {
    AppendHexEscape(out, 'U', r, 8);
  }
}

// Go's strconv quoting of a byte string: undecodable bytes become \xHH.
std::string GoQuoteWith(std::string_view s, char quote) {
  std::string out(1, quote);
  while (!s.empty()) {
    const DecodedRune d = DecodeRune(s);
    if (d.width == 1 && d.rune == kRuneError) {
      AppendHexEscape(out, 'x', static_cast<unsigned char>(s[0]), 2);
    } else {
      AppendEscapedRune(out, d.rune, quote);
    }
    s.remove_prefix(d.width);
  }
  out += quote;
  return out;
}

// strconv.Quote, i.e. fmt's %q of a string.
std::string GoQuote(std::string_view s) { return GoQuoteWith(s, '"'); }

// fmt's %q of a byte: strconv.QuoteRune(rune(b)).
std::string GoQuoteByteAsRune(unsigned char b) {
  std::string encoded;
  AppendUtf8(encoded, b);
  return GoQuoteWith(encoded, '\'');
}

// The `quote` helper of Go's time package (used by time.ParseError and
// time.ParseDuration errors): every byte that is a control character or part
// of a non-ASCII sequence, valid or not, is written as \xHH; `"` and `\` are
// backslashed; everything else, DEL included, is copied.
std::string TimeQuote(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x80 || b < ' ') {
      AppendHexEscape(out, 'x', b, 2);
      continue;
    }
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
  return out;
}

// ---------------------------------------------------------------------------
// time.ParseDuration.

constexpr uint64_t kTwoTo63 = uint64_t{1} << 63;

// Go's leadingInt: the leading [0-9]* of `s` into `*value` and the count of
// digits into `*used`; false on overflow past 2^63.
bool LeadingInt(std::string_view s, uint64_t* value, size_t* used) {
  uint64_t x = 0;
  size_t i = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (x > kTwoTo63 / 10) return false;
    x = x * 10 + static_cast<uint64_t>(s[i] - '0');
    if (x > kTwoTo63) return false;
  }
  *value = x;
  *used = i;
  return true;
}

// Go's leadingFraction: digits past what fits are consumed but ignored.
size_t LeadingFraction(std::string_view s, uint64_t* value, double* scale) {
  uint64_t x = 0;
  double sc = 1;
  bool overflow = false;
  size_t i = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (overflow) continue;
    if (x > (kTwoTo63 - 1) / 10) {
      overflow = true;
      continue;
    }
    const uint64_t y = x * 10 + static_cast<uint64_t>(s[i] - '0');
    if (y > kTwoTo63) {
      overflow = true;
      continue;
    }
    x = y;
    sc *= 10;
  }
  *value = x;
  *scale = sc;
  return i;
}

// Nanoseconds per unit, 0 for an unknown unit.
uint64_t UnitNanos(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 8> kUnits = {{
      {"ns", 1},
      {"us", 1'000},
      {"\xC2\xB5s", 1'000},  // U+00B5 MICRO SIGN
      {"\xCE\xBCs", 1'000},  // U+03BC GREEK SMALL LETTER MU
      {"ms", 1'000'000},
      {"s", 1'000'000'000},
      {"m", 60'000'000'000},
      {"h", 3'600'000'000'000},
  }};
  for (const auto& [name, nanos] : kUnits) {
    if (name == unit) return nanos;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// time.Parse, for the layout elements moby's layouts use.

enum class Std {
  kNone,
  kLongYear,        // 2006
  kZeroMonth,       // 01
  kZeroDay,         // 02
  kHour,            // 15
  kZeroMinute,      // 04
  kZeroSecond,      // 05
  kFracSecond9,     // .999999999
  kIso8601ColonTz,  // Z07:00
};

struct StdChunk {
  std::string_view prefix;  // literal text before the element
  Std std = Std::kNone;
  std::string_view elem;    // the element's own text, e.g. "05"
  std::string_view suffix;  // the layout after the element
};

// Go's nextStdChunk, restricted to the elements above. The layouts passed in
// (the constants below) contain no other Go layout element, so the split is
// the one Go makes.
StdChunk NextStdChunk(std::string_view layout) {
  static constexpr std::array<std::pair<std::string_view, Std>, 7> kFixed = {{
      {"2006", Std::kLongYear},
      {"01", Std::kZeroMonth},
      {"02", Std::kZeroDay},
      {"15", Std::kHour},
      {"04", Std::kZeroMinute},
      {"05", Std::kZeroSecond},
      {"Z07:00", Std::kIso8601ColonTz},
  }};
  for (size_t i = 0; i < layout.size(); ++i) {
    const std::string_view rest = layout.substr(i);
    for (const auto& [text, std] : kFixed) {
      if (rest.starts_with(text)) {
        return {layout.substr(0, i), std, rest.substr(0, text.size()), rest.substr(text.size())};
      }
    }
    if (rest.size() > 1 && rest[0] == '.' && rest[1] == '9') {
      size_t j = 1;
      while (j < rest.size() && rest[j] == '9') ++j;
      if (!IsDigitAt(rest, j)) {
        return {layout.substr(0, i), Std::kFracSecond9, rest.substr(0, j), rest.substr(j)};
      }
    }
  }
  return {layout, Std::kNone, {}, {}};
}

// The layouts of moby's timestamp package.
constexpr std::string_view kRfc3339Nano = "2006-01-02T15:04:05.999999999Z07:00";
constexpr std::string_view kRfc3339 = "2006-01-02T15:04:05Z07:00";
constexpr std::string_view kRfc3339NanoLocal = "2006-01-02T15:04:05.999999999";
constexpr std::string_view kRfc3339Local = "2006-01-02T15:04:05";
constexpr std::string_view kMinuteLocal = "2006-01-02T15:04";
constexpr std::string_view kMinuteWithZone = "2006-01-02T15:04Z07:00";
constexpr std::string_view kHourLocal = "2006-01-02T15";
constexpr std::string_view kHourWithZone = "2006-01-02T15Z07:00";
constexpr std::string_view kDateLocal = "2006-01-02";
constexpr std::string_view kDateWithZone = "2006-01-02Z07:00";

// time.ParseError.Error().
absl::Status ParseError(std::string_view layout, std::string_view value,
                        std::string_view layout_elem, std::string_view value_elem,
                        const std::string& message) {
  std::string text = "parsing time " + TimeQuote(value);
  if (message.empty()) {
    text += " as " + TimeQuote(layout) + ": cannot parse " + TimeQuote(value_elem) + " as " +
            TimeQuote(layout_elem);
  } else {
    text += message;
  }
  return Invalid(std::move(text));
}

// Go's getnum: one or two leading digits (exactly two when `fixed`). On
// failure `*out` is 0 and `*value` is unchanged, as in Go.
bool GetNum(std::string_view* value, bool fixed, int* out) {
  *out = 0;
  if (!IsDigitAt(*value, 0)) return false;
  if (!IsDigitAt(*value, 1)) {
    if (fixed) return false;
    *out = (*value)[0] - '0';
    value->remove_prefix(1);
    return true;
  }
  *out = ((*value)[0] - '0') * 10 + ((*value)[1] - '0');
  value->remove_prefix(2);
  return true;
}

// Go's skip: consumes the literal `prefix`, runs of spaces matching runs of
// spaces. On mismatch `*value` is left where matching stopped.
bool Skip(std::string_view* value, std::string_view prefix) {
  const auto cut_spaces = [](std::string_view s) {
    while (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    return s;
  };
  while (!prefix.empty()) {
    if (prefix[0] == ' ') {
      if (!value->empty() && (*value)[0] != ' ') return false;
      prefix = cut_spaces(prefix);
      *value = cut_spaces(*value);
      continue;
    }
    if (value->empty() || (*value)[0] != prefix[0]) return false;
    prefix.remove_prefix(1);
    value->remove_prefix(1);
  }
  return true;
}

bool CommaOrPeriod(char c) { return c == '.' || c == ','; }

// Go's parseNanoseconds for `value` = separator + digits, `nbytes` long; the
// callers guarantee that shape, so it cannot fail. Digits past the ninth are
// dropped.
int ParseNanoseconds(std::string_view value, size_t nbytes) {
  nbytes = std::min<size_t>(nbytes, 10);
  int ns = 0;
  for (size_t i = 1; i < nbytes; ++i) ns = ns * 10 + (value[i] - '0');
  for (size_t i = nbytes; i < 10; ++i) ns *= 10;
  return ns;
}

bool IsLeap(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int DaysIn(int month, int year) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeap(year)) return 29;
  return kDays[month - 1];
}

// Go's time.Parse(layout, value) (`default_offset` 0) or
// time.ParseInLocation(layout, value, time.FixedZone(_, default_offset)),
// returning the instant. Zone names and the Local-zone lookup Go performs for
// a numeric offset only affect the returned Location, not the instant.
absl::StatusOr<absl::Time> GoParseTime(std::string_view layout, std::string_view value,
                                       int default_offset) {
  const std::string_view full_layout = layout;
  const std::string_view full_value = value;
  int year = 0;
  int month = -1;
  int day = -1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int nanos = 0;
  bool utc = false;
  std::optional<int> zone_offset;

  for (;;) {
    const StdChunk chunk = NextStdChunk(layout);
    if (!Skip(&value, chunk.prefix)) {
      return ParseError(full_layout, full_value, chunk.prefix, value, "");
    }
    if (chunk.std == Std::kNone) {
      if (!value.empty()) {
        return ParseError(full_layout, full_value, "", value, ": extra text: " + TimeQuote(value));
      }
      break;
    }
    layout = chunk.suffix;
    const std::string_view hold = value;
    std::string_view range_error;
    bool bad = false;
    switch (chunk.std) {
      case Std::kNone:
        break;
      case Std::kLongYear:
        if (value.size() < 4 || !IsDigitAt(value, 0)) {
          bad = true;
          break;
        }
        year = 0;
        for (size_t i = 0; i < 4; ++i) {
          if (!IsDigit(value[i])) {
            bad = true;
            break;
          }
          year = year * 10 + (value[i] - '0');
        }
        value.remove_prefix(4);
        break;
      case Std::kZeroMonth:
        bad = !GetNum(&value, /*fixed=*/true, &month);
        if (!bad && (month <= 0 || month > 12)) range_error = "month";
        break;
      case Std::kZeroDay:
        bad = !GetNum(&value, /*fixed=*/true, &day);
        break;
      case Std::kHour:
        bad = !GetNum(&value, /*fixed=*/false, &hour);
        if (hour >= 24) range_error = "hour";
        break;
      case Std::kZeroMinute:
        bad = !GetNum(&value, /*fixed=*/true, &minute);
        if (minute >= 60) range_error = "minute";
        break;
      case Std::kZeroSecond:
        bad = !GetNum(&value, /*fixed=*/true, &second);
        if (bad) break;
        if (second >= 60) {
          range_error = "second";
          break;
        }
        // A fraction the layout does not ask for is still accepted.
        if (value.size() >= 2 && CommaOrPeriod(value[0]) && IsDigitAt(value, 1)) {
          if (NextStdChunk(layout).std == Std::kFracSecond9) break;
          size_t n = 2;
          while (IsDigitAt(value, n)) ++n;
          nanos = ParseNanoseconds(value, n);
          value.remove_prefix(n);
        }
        break;
      case Std::kFracSecond9: {
        if (value.size() < 2 || !CommaOrPeriod(value[0]) || !IsDigitAt(value, 1)) {
          break;  // fraction omitted
        }
        size_t i = 0;
        while (IsDigitAt(value, i + 1)) ++i;
        nanos = ParseNanoseconds(value, i + 1);
        value.remove_prefix(i + 1);
        break;
      }
      case Std::kIso8601ColonTz: {
        if (!value.empty() && value[0] == 'Z') {
          value.remove_prefix(1);
          utc = true;
          break;
        }
        if (value.size() < 6 || value[3] != ':') {
          bad = true;
          break;
        }
        const char sign = value[0];
        std::string_view hh = value.substr(1, 2);
        std::string_view mm = value.substr(4, 2);
        value.remove_prefix(6);
        int hr = 0;
        int mi = 0;
        bad = !GetNum(&hh, /*fixed=*/true, &hr) || !GetNum(&mm, /*fixed=*/true, &mi);
        // Go compares with > (offsets of 24h or 60m are written by some).
        if (hr > 24) range_error = "time zone offset hour";
        if (mi > 60) range_error = "time zone offset minute";
        int offset = (hr * 60 + mi) * 60;
        if (sign == '-') {
          offset = -offset;
        } else if (sign != '+') {
          bad = true;
        }
        zone_offset = offset;
        break;
      }
    }
    if (!range_error.empty()) {
      return ParseError(full_layout, full_value, chunk.elem, value,
                        ": " + std::string(range_error) + " out of range");
    }
    if (bad) return ParseError(full_layout, full_value, chunk.elem, hold, "");
  }

  if (month < 0) month = 1;
  if (day < 0) day = 1;
  if (day < 1 || day > DaysIn(month, year)) {
    return ParseError(full_layout, full_value, "", value, ": day out of range");
  }
  int offset = default_offset;
  if (utc) {
    offset = 0;
  } else if (zone_offset.has_value()) {
    offset = *zone_offset;
  }
  const absl::Time wall = absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second),
                                          absl::UTCTimeZone());
  return wall + absl::Nanoseconds(nanos) - absl::Seconds(offset);
}

// ---------------------------------------------------------------------------
// Unix timestamps.

enum class NumError { kNone, kSyntax, kRange };

// strconv.ParseInt(s, 10, 64): digits are read left to right and the first
// problem wins, so "99999999999999999999x" is a range error and "9x" syntax.
NumError GoParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return NumError::kSyntax;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return NumError::kSyntax;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  constexpr uint64_t kCutoff = kMax / 10 + 1;
  uint64_t n = 0;
  for (const char c : s) {
    if (!IsDigit(c)) return NumError::kSyntax;
    if (n >= kCutoff) return NumError::kRange;
    n *= 10;
    const uint64_t next = n + static_cast<uint64_t>(c - '0');
    if (next < n) return NumError::kRange;
    n = next;
  }
  if (!negative && n >= kTwoTo63) return NumError::kRange;
  if (negative && n > kTwoTo63) return NumError::kRange;
  // Two's-complement negation in unsigned arithmetic; -2^63 converts exactly.
  *out = static_cast<int64_t>(negative ? uint64_t{0} - n : n);
  return NumError::kNone;
}

// Seconds from the Unix epoch to Go's internal epoch (January 1, year 1).
constexpr int64_t kUnixToInternal = 62'135'596'800;

// Go's time.Unix(seconds, nanos) as an instant. Go adds kUnixToInternal with
// int64 wrap-around; past the wrap its time sorts before every real time.
absl::Time GoUnixTime(int64_t seconds, int64_t nanos) {
  if (seconds > std::numeric_limits<int64_t>::max() - kUnixToInternal) {
    return absl::InfinitePast();
  }
  return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
}

// moby's parseTimestamp; errors without the "failed to parse" prefix.
absl::StatusOr<absl::Time> ParseUnixTimestamp(std::string_view value) {
  const size_t dot = value.find('.');
  const std::string_view seconds_text = value.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : value.substr(dot + 1);
  int64_t seconds = 0;
  switch (GoParseInt64(seconds_text, &seconds)) {
    case NumError::kNone:
      break;
    case NumError::kSyntax:
      return Invalid("invalid seconds " + GoQuote(seconds_text) + ": invalid syntax");
    case NumError::kRange:
      return Invalid("invalid seconds " + GoQuote(seconds_text) + ": value out of range");
  }
  if (fraction.empty() || fraction == "0" || fraction == "000000000") {
    return GoUnixTime(seconds, 0);
  }
  constexpr size_t kMaxFractionDigits = 20;
  if (fraction.size() > kMaxFractionDigits) {
    return Invalid("invalid nanoseconds: length " + std::to_string(fraction.size()) +
                   " exceeds maximum " + std::to_string(kMaxFractionDigits));
  }
  for (size_t i = 0; i < fraction.size(); ++i) {
    if (!IsDigit(fraction[i])) {
      return Invalid("invalid nanoseconds: invalid character " +
                     GoQuoteByteAsRune(static_cast<unsigned char>(fraction[i])) + " at position " +
                     std::to_string(i));
    }
  }
  int64_t nanos = 0;
  for (size_t i = 0; i < 9; ++i) {
    nanos = nanos * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  return GoUnixTime(seconds, nanos);
}

size_t CountByte(std::string_view s, char c) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), c));
}

bool Contains(std::string_view s, char c) { return s.find(c) != std::string_view::npos; }

}  // namespace

absl::StatusOr<int64_t> ParseGoDuration(std::string_view text) {
  const auto invalid = [text] { return Invalid("time: invalid duration " + TimeQuote(text)); };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return invalid();
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || IsDigit(s[0]))) return invalid();
    uint64_t whole = 0;
    size_t used = 0;
    if (!LeadingInt(s, &whole, &used)) return invalid();
    const bool pre = used != 0;
    s.remove_prefix(used);
    uint64_t fraction = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      const size_t fraction_used = LeadingFraction(s, &fraction, &scale);
      post = fraction_used != 0;
      s.remove_prefix(fraction_used);
    }
    if (!pre && !post) return invalid();  // e.g. ".s"
    size_t unit_len = 0;
    while (unit_len < s.size() && s[unit_len] != '.' && !IsDigit(s[unit_len])) {
      ++unit_len;
    }
    if (unit_len == 0) {
      return Invalid("time: missing unit in duration " + TimeQuote(text));
    }
    const std::string_view unit_text = s.substr(0, unit_len);
    s.remove_prefix(unit_len);
    const uint64_t unit = UnitNanos(unit_text);
    if (unit == 0) {
      return Invalid("time: unknown unit " + TimeQuote(unit_text) + " in duration " +
                     TimeQuote(text));
    }
    if (whole > kTwoTo63 / unit) return invalid();
    uint64_t v = whole * unit;
    if (fraction > 0) {
      // Go computes the fractional part in float64 and truncates it.
      v += static_cast<uint64_t>(static_cast<double>(fraction) *
                                 (static_cast<double>(unit) / scale));
      if (v > kTwoTo63) return invalid();
    }
    // Go's uint64 sum wraps: 2^63 + 2^63 is 0 and is not caught below.
    total += v;
    if (total > kTwoTo63) return invalid();
  }
  if (negative) {
    // -Duration(total) in Go: 2^63 becomes INT64_MIN.
    return static_cast<int64_t>(uint64_t{0} - total);
  }
  if (total > kTwoTo63 - 1) return invalid();
  return static_cast<int64_t>(total);
}

absl::StatusOr<absl::Time> ParseTimestamp(std::string_view value, absl::Time reference,
                                          absl::TimeZone local) {
  if (IsBlank(value)) {
    return Invalid(std::string(kFailedPrefix) + "value is empty");
  }
  if (value != "0") {
    if (absl::StatusOr<int64_t> d = ParseGoDuration(value); d.ok()) {
      // reference.Add(-d) in Go, where negating INT64_MIN wraps to itself.
      const auto back = static_cast<int64_t>(uint64_t{0} - static_cast<uint64_t>(*d));
      return reference + absl::Nanoseconds(back);
    }
  }

  // "Local mode": no zone designator and not exactly three dashes.
  const bool in_location =
      value.find_first_of("zZ+") == std::string_view::npos && CountByte(value, '-') != 3;
  std::string_view layout;
  if (Contains(value, '.')) {
    layout = in_location ? kRfc3339NanoLocal : kRfc3339Nano;
  } else if (Contains(value, 'T')) {
    size_t colons = CountByte(value, ':');
    // A numeric offset's colon is not a time colon.
    if (!in_location && value.find_first_of("zZ") == std::string_view::npos && colons > 0) {
      --colons;
    }
    if (in_location) {
      layout = colons == 0 ? kHourLocal : colons == 1 ? kMinuteLocal : kRfc3339Local;
    } else {
      layout = colons == 0 ? kHourWithZone : colons == 1 ? kMinuteWithZone : kRfc3339;
    }
  } else {
    layout = in_location ? kDateLocal : kDateWithZone;
  }

  const int offset = in_location ? local.At(reference).offset : 0;
  absl::StatusOr<absl::Time> date = GoParseTime(layout, value, offset);
  if (date.ok()) return date;
  // Looks like a date: Go's parse error is the answer.
  if (Contains(value, '-')) return date.status();

  absl::StatusOr<absl::Time> unix = ParseUnixTimestamp(value);
  if (!unix.ok()) {
    return Invalid(std::string(kFailedPrefix) + std::string(unix.status().message()));
  }
  return unix;
}

std::string FormatRfc3339Nano(absl::Time t) {
  if (t == absl::InfinitePast()) return "infinite-past";
  if (t == absl::InfiniteFuture()) return "infinite-future";
  const absl::TimeZone::CivilInfo ci = absl::UTCTimeZone().At(t);
  const absl::CivilSecond& cs = ci.cs;
  std::string out;
  int64_t year = cs.year();
  if (year < 0) {
    out += '-';
    year = -year;
  }
  std::string digits = std::to_string(year);
  if (digits.size() < 4) out.append(4 - digits.size(), '0');
  out += digits;
  const auto two = [&out](int v) {
    out += static_cast<char>('0' + v / 10);
    out += static_cast<char>('0' + v % 10);
  };
  out += '-';
  two(cs.month());
  out += '-';
  two(cs.day());
  out += 'T';
  two(cs.hour());
  out += ':';
  two(cs.minute());
  out += ':';
  two(cs.second());
  int64_t nanos = absl::ToInt64Nanoseconds(ci.subsecond);
  if (nanos != 0) {
    std::string frac = std::to_string(nanos);
    frac.insert(0, 9 - frac.size(), '0');
    while (frac.back() == '0') frac.pop_back();
    out += '.';
    out += frac;
  }
  out += 'Z';
  return out;
}

absl::Status UntilFilterError(const absl::Status& parse_error) {
  if (parse_error.ok()) return parse_error;
  return absl::InvalidArgumentError(std::string(kUntilFilterErrorPrefix) +
                                    std::string(parse_error.message()));
}

}  // namespace reclaim
