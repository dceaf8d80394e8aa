// Package bencode implements the bencoding of BEP 3: integers (i42e),
// byte strings (4:spam), lists (l...e) and dictionaries (d...e).
//
// The decoder is strict, because its input comes from untrusted peers,
// trackers and .torrent files:
//
//   - the whole input must be exactly one value; trailing bytes are an error;
//   - integers and string lengths with leading zeros are rejected, as is i-0e;
//   - a string length may not exceed the remaining input (checked before any
//     allocation);
//   - integers must fit the destination (int64 for generic values);
//   - lists and dictionaries may nest at most MaxDepth deep;
//   - dictionary keys must be strings and may not repeat.
//
// Dictionary keys that are out of order are accepted, since real torrents
// contain them; Marshal always writes keys in byte-wise sorted order, so its
// output is canonical. A RawMessage field keeps the exact bytes it was decoded
// from, which is how the info dictionary of a torrent is hashed.
//
// Go values map to bencode as follows. Strings and byte slices are byte
// strings; byte arrays (such as a 20-byte hash) are byte strings of exactly
// that length. All integer kinds are integers; bool is i0e or i1e. Slices and
// arrays are lists. Structs and maps with string keys are dictionaries.
// Struct fields use the tag `bencode:"name"`, `bencode:"name,omitempty"` or
// `bencode:"-"`; omitempty leaves out empty strings, slices and maps and
// zero values of other types (a zero byte array, a zero struct); an untagged exported field uses its Go name; embedded
// structs are not flattened. Unknown dictionary keys are ignored when
// decoding. Pointers are allocated as needed. Decoding into an empty
// interface yields the generic form returned by Decode: int64, string, []any
// and map[string]any. Bencode has no null, so nil pointers, nil interfaces and
// empty RawMessages are left out of dictionaries and are an error elsewhere.
// Floating-point numbers, channels, functions and complex numbers are not
// supported.
//
// Types may implement Marshaler and Unmarshaler to control their own form.
package bencode
