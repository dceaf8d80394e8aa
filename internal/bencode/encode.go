package bencode

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
)

// maxEncodeLevels bounds recursion through pointers and interfaces, so that
// cyclic values fail instead of exhausting the stack.
const maxEncodeLevels = 8 * MaxDepth

// Marshal returns the encoding of v. Dictionary keys are written in
// byte-wise sorted order, so equal values always encode to equal bytes.
func Marshal(v any) ([]byte, error) {
	var e encodeState
	if err := e.top(v); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// AppendMarshal appends the encoding of v to b.
func AppendMarshal(b []byte, v any) ([]byte, error) {
	e := encodeState{buf: b}
	if err := e.top(v); err != nil {
		return b, err
	}
	return e.buf, nil
}

type encodeState struct {
	buf    []byte
	depth  int // open lists and dictionaries
	levels int // recursion depth through pointers and interfaces
}

func (e *encodeState) top(v any) error {
	if v == nil {
		return errors.New("bencode: cannot encode nil")
	}
	if e.generic(v) {
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer {
		// Make the value addressable so that pointer-receiver Marshalers and
		// byte arrays are reachable without copying each one.
		p := reflect.New(rv.Type()).Elem()
		p.Set(rv)
		rv = p
	}
	return e.value(rv)
}

// generic encodes the common concrete types without reflection. It reports
// false, having written nothing, for any other type.
func (e *encodeState) generic(v any) bool {
	switch x := v.(type) {
	case string:
		e.buf = appendString(e.buf, x)
	case []byte:
		e.buf = appendBytes(e.buf, x)
	case int64:
		e.buf = appendInt(e.buf, x)
	case int:
		e.buf = appendInt(e.buf, int64(x))
	default:
		return false
	}
	return true
}

func appendInt(b []byte, n int64) []byte {
	b = append(b, 'i')
	b = strconv.AppendInt(b, n, 10)
	return append(b, 'e')
}

func appendUint(b []byte, n uint64) []byte {
	b = append(b, 'i')
	b = strconv.AppendUint(b, n, 10)
	return append(b, 'e')
}

func appendString(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

func appendBytes(b []byte, s []byte) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

// absent reports whether v has no bencode form and is left out of
// dictionaries: a nil pointer or interface, or an empty RawMessage.
func absent(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.Slice:
		return v.Type() == rawMessageType && v.Len() == 0
	}
	return false
}

// empty is the omitempty test: zero length for strings, slices and maps,
// the zero value for everything else.
func empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String, reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.Struct, reflect.Array:
		return v.IsZero()
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	}
	return absent(v)
}

func (e *encodeState) value(v reflect.Value) error {
	e.levels++
	defer func() { e.levels-- }()
	if e.levels > maxEncodeLevels {
		return fmt.Errorf("bencode: value nested deeper than %d levels (cyclic?)", maxEncodeLevels)
	}
	t := v.Type()
	if t == rawMessageType {
		return e.raw(v.Bytes(), "RawMessage")
	}
	k := v.Kind()
	if k == reflect.Pointer || k == reflect.Interface {
		if v.IsNil() {
			return fmt.Errorf("bencode: cannot encode nil %s", t)
		}
	}
	if mayHaveMethods(t) {
		if ti := infoOf(t); ti.marshaler || (ti.addrMarshaler && v.CanAddr()) {
			return e.marshaler(v, ti.marshaler)
		}
	}
	switch k {
	case reflect.Pointer:
		return e.value(v.Elem())
	case reflect.Interface:
		if e.generic(v.Elem().Interface()) {
			return nil
		}
		return e.value(v.Elem())
	case reflect.Bool:
		if v.Bool() {
			e.buf = append(e.buf, "i1e"...)
		} else {
			e.buf = append(e.buf, "i0e"...)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = appendInt(e.buf, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.buf = appendUint(e.buf, v.Uint())
	case reflect.String:
		e.buf = appendString(e.buf, v.String())
	case reflect.Slice, reflect.Array:
		if isBytes(t) {
			e.byteSequence(v)
			return nil
		}
		return e.list(v)
	case reflect.Map:
		return e.dictMap(v)
	case reflect.Struct:
		return e.dictStruct(v, infoOf(t))
	default:
		return fmt.Errorf("bencode: unsupported type %s", t)
	}
	return nil
}

// marshaler encodes v with its MarshalBencode method, of v itself or,
// when direct is false, of its address.
func (e *encodeState) marshaler(v reflect.Value, direct bool) error {
	t := v.Type()
	if !direct {
		v = v.Addr()
	}
	b, err := v.Interface().(Marshaler).MarshalBencode()
	if err != nil {
		return fmt.Errorf("bencode: %s: %w", t, err)
	}
	return e.raw(b, t.String())
}

func (e *encodeState) raw(b []byte, what string) error {
	if len(b) == 0 {
		return fmt.Errorf("bencode: empty %s outside a dictionary", what)
	}
	if err := Valid(b); err != nil {
		return fmt.Errorf("bencode: invalid %s: %w", what, err)
	}
	e.buf = append(e.buf, b...)
	return nil
}

func (e *encodeState) byteSequence(v reflect.Value) {
	if v.Kind() == reflect.Slice || v.CanAddr() {
		e.buf = appendBytes(e.buf, v.Bytes())
		return
	}
	n := v.Len()
	e.buf = strconv.AppendInt(e.buf, int64(n), 10)
	e.buf = append(e.buf, ':')
	for i := range n {
		e.buf = append(e.buf, byte(v.Index(i).Uint()))
	}
}

func (e *encodeState) enter() error {
	if e.depth >= MaxDepth {
		return fmt.Errorf("bencode: lists and dictionaries nested deeper than %d", MaxDepth)
	}
	e.depth++
	return nil
}

func (e *encodeState) list(v reflect.Value) error {
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, 'l')
	for i := range v.Len() {
		if err := e.value(v.Index(i)); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, 'e')
	e.depth--
	return nil
}

func (e *encodeState) dictMap(v reflect.Value) error {
	if v.Type().Key().Kind() != reflect.String {
		return fmt.Errorf("bencode: unsupported map key type %s", v.Type().Key())
	}
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, 'd')
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int {
		switch x, y := a.String(), b.String(); {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	for _, k := range keys {
		elem := v.MapIndex(k)
		if absent(elem) {
			continue
		}
		e.buf = appendString(e.buf, k.String())
		if err := e.value(elem); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, 'e')
	e.depth--
	return nil
}

func (e *encodeState) dictStruct(v reflect.Value, ti *typeInfo) error {
	if ti.fieldsErr != nil {
		return ti.fieldsErr
	}
	if err := e.enter(); err != nil {
		return err
	}
	e.buf = append(e.buf, 'd')
	for _, f := range ti.fields {
		fv := v.Field(f.index)
		if absent(fv) || (f.omitEmpty && empty(fv)) {
			continue
		}
		e.buf = appendString(e.buf, f.name)
		if err := e.value(fv); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, 'e')
	e.depth--
	return nil
}

// AppendString appends s as a bencoded string. With AppendInt and
// AppendUint it lets hot paths (tracker responses) write bencode by hand
// without reflection; dictionary keys must then be written in order.
func AppendString(b []byte, s string) []byte { return appendString(b, s) }

// AppendBytes appends p as a bencoded string.
func AppendBytes(b []byte, p []byte) []byte {
	return append(AppendStringLen(b, len(p)), p...)
}

// AppendStringLen appends the length prefix of a string of n bytes, for a
// caller that appends the n bytes itself.
func AppendStringLen(b []byte, n int) []byte {
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, ':')
}

// AppendInt appends n as a bencoded integer.
func AppendInt(b []byte, n int64) []byte { return appendInt(b, n) }

// AppendUint appends n as a bencoded integer.
func AppendUint(b []byte, n uint64) []byte { return appendUint(b, n) }
