package bencode

import (
	"errors"
	"reflect"
)

// maxIndirections bounds pointer chains such as type P *P while decoding.
const maxIndirections = 64

// Unmarshal decodes data, which must be exactly one value, into the value
// pointed to by v. Unknown dictionary keys are ignored. On error v may be
// partly filled.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("bencode: Unmarshal needs a non-nil pointer")
	}
	d := decodeState{data: data}
	if err := d.value(rv.Elem()); err != nil {
		return err
	}
	return d.end()
}

// value decodes one value into v, which is settable.
func (d *decodeState) value(v reflect.Value) error {
	for range maxIndirections {
		t := v.Type()
		if t == rawMessageType {
			start := d.pos
			if err := d.skip(); err != nil {
				return err
			}
			v.SetBytes(append(RawMessage(nil), d.data[start:d.pos]...))
			return nil
		}
		if mayHaveMethods(t) && infoOf(t).unmarshaler {
			return d.unmarshaler(v)
		}
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				v.Set(reflect.New(t.Elem()))
			}
			v = v.Elem()
			continue
		case reflect.Interface:
			if t.NumMethod() != 0 {
				return errorAt(d.pos, "cannot decode into interface type %s", t)
			}
			x, err := d.any()
			if err != nil {
				return err
			}
			v.Set(reflect.ValueOf(x))
			return nil
		}
		return d.concrete(v)
	}
	return errorAt(d.pos, "pointer chain of type %s too long", v.Type())
}

func (d *decodeState) unmarshaler(v reflect.Value) error {
	start := d.pos
	if err := d.skip(); err != nil {
		return err
	}
	u := v.Addr().Interface().(Unmarshaler)
	if err := u.UnmarshalBencode(d.data[start:d.pos:d.pos]); err != nil {
		return &Error{Offset: start, Err: err}
	}
	return nil
}

func (d *decodeState) concrete(v reflect.Value) error {
	c, err := d.peek()
	if err != nil {
		return err
	}
	switch {
	case c == 'i':
		return d.intInto(v)
	case isDigit(c):
		return d.stringInto(v)
	case c == 'l':
		return d.listInto(v)
	case c == 'd':
		return d.dictInto(v)
	default:
		return errorAt(d.pos, "invalid byte %q at start of value", c)
	}
}

func (d *decodeState) mismatch(what string, v reflect.Value) error {
	return errorAt(d.pos, "cannot decode %s into Go value of type %s", what, v.Type())
}

func (d *decodeState) intInto(v reflect.Value) error {
	start := d.pos
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := d.readInt64()
		if err != nil {
			return err
		}
		if v.OverflowInt(n) {
			return errorAt(start, "integer %d overflows %s", n, v.Type())
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		neg, mag, err := d.readIntToken()
		if err != nil {
			return err
		}
		if neg || v.OverflowUint(mag) {
			return errorAt(start, "integer overflows %s", v.Type())
		}
		v.SetUint(mag)
	case reflect.Bool:
		n, err := d.readInt64()
		if err != nil {
			return err
		}
		if n != 0 && n != 1 {
			return errorAt(start, "integer %d is not a bool (0 or 1)", n)
		}
		v.SetBool(n == 1)
	default:
		return d.mismatch("integer", v)
	}
	return nil
}

func (d *decodeState) stringInto(v reflect.Value) error {
	start := d.pos
	switch {
	case v.Kind() == reflect.String:
		b, err := d.readString()
		if err != nil {
			return err
		}
		v.SetString(string(b))
	case v.Kind() == reflect.Slice && isBytes(v.Type()):
		b, err := d.readString()
		if err != nil {
			return err
		}
		v.SetBytes(append(make([]byte, 0, len(b)), b...))
	case v.Kind() == reflect.Array && isBytes(v.Type()):
		b, err := d.readString()
		if err != nil {
			return err
		}
		if len(b) != v.Len() {
			return errorAt(start, "string of length %d into %s", len(b), v.Type())
		}
		copy(v.Bytes(), b)
	default:
		return d.mismatch("string", v)
	}
	return nil
}

func (d *decodeState) listInto(v reflect.Value) error {
	if isBytes(v.Type()) {
		// Byte slices and arrays are byte strings, never lists of integers.
		return d.mismatch("list", v)
	}
	switch v.Kind() {
	case reflect.Slice:
		if err := d.open(); err != nil {
			return err
		}
		if v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
		v.SetLen(0)
		for i := 0; ; i++ {
			ok, err := d.more()
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if i == v.Cap() {
				v.Grow(1)
			}
			v.SetLen(i + 1)
			elem := v.Index(i)
			elem.SetZero()
			if err := d.value(elem); err != nil {
				return err
			}
		}
	case reflect.Array:
		start := d.pos
		if err := d.open(); err != nil {
			return err
		}
		for i := 0; ; i++ {
			ok, err := d.more()
			if err != nil {
				return err
			}
			if !ok {
				if i != v.Len() {
					return errorAt(start, "list of length %d into %s", i, v.Type())
				}
				return nil
			}
			if i >= v.Len() {
				return errorAt(start, "list longer than %s", v.Type())
			}
			if err := d.value(v.Index(i)); err != nil {
				return err
			}
		}
	default:
		return d.mismatch("list", v)
	}
}

func (d *decodeState) dictInto(v reflect.Value) error {
	switch v.Kind() {
	case reflect.Struct:
		ti := infoOf(v.Type())
		if ti.fieldsErr != nil {
			return &Error{Offset: d.pos, Err: ti.fieldsErr}
		}
		ds, err := d.openDict()
		if err != nil {
			return err
		}
		for {
			k, ok, err := d.nextKey(&ds)
			if err != nil || !ok {
				return err
			}
			i, known := ti.byName[string(k)]
			if !known {
				if err := d.skip(); err != nil {
					return err
				}
				continue
			}
			if err := d.value(v.Field(ti.fields[i].index)); err != nil {
				return err
			}
		}
	case reflect.Map:
		t := v.Type()
		if t.Key().Kind() != reflect.String {
			return d.mismatch("dictionary", v)
		}
		ds, err := d.openDict()
		if err != nil {
			return err
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		key := reflect.New(t.Key()).Elem()
		elem := reflect.New(t.Elem()).Elem()
		for {
			k, ok, err := d.nextKey(&ds)
			if err != nil || !ok {
				return err
			}
			elem.SetZero()
			if err := d.value(elem); err != nil {
				return err
			}
			key.SetString(string(k))
			v.SetMapIndex(key, elem)
		}
	default:
		return d.mismatch("dictionary", v)
	}
}

// UnmarshalPrefix decodes the one value at the start of data into the
// value pointed to by v and returns the number of bytes it took. Bytes after
// the value are left alone: BEP 9 metadata messages carry raw data there.
func UnmarshalPrefix(data []byte, v any) (int, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return 0, errors.New("bencode: UnmarshalPrefix needs a non-nil pointer")
	}
	d := decodeState{data: data}
	if err := d.value(rv.Elem()); err != nil {
		return 0, err
	}
	return d.pos, nil
}
