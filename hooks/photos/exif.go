package photos

import (
	"bytes"
	"encoding/binary"
)

// orientationOf returns the EXIF orientation (1..8) that data declares for
// its format, or 1 when there is none or it cannot be read. HEIC is always
// 1: libheif already applied the container's rotation and mirroring, and
// its EXIF tag describes the same turn again.
func orientationOf(f Format, data []byte) int {
	var tiff []byte
	switch f {
	case JPEG:
		tiff = jpegExif(data)
	case WebP:
		tiff = riffChunk(data, "EXIF")
	case PNG:
		tiff = pngChunk(data, "eXIf")
	}
	// some writers keep the JPEG APP1 prefix in WebP and PNG too
	tiff = bytes.TrimPrefix(tiff, []byte("Exif\x00\x00"))
	return tiffOrientation(tiff)
}

// jpegExif returns the TIFF payload of the first Exif APP1 segment of a
// JPEG, looking only at the marker segments before the first scan.
func jpegExif(data []byte) []byte {
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return nil
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return nil
		}
		marker := data[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
			continue
		case marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7):
			// markers without a length
			i += 2
			continue
		case marker == 0xda || marker == 0xd9: // start of scan, end of image
			return nil
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return nil
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return seg[6:]
		}
		i += 2 + n
	}
	return nil
}

// riffChunk returns the payload of the first top-level chunk named id of
// a RIFF (WebP) file.
func riffChunk(data []byte, id string) []byte {
	if len(data) < 12 || string(data[:4]) != "RIFF" {
		return nil
	}
	for i := 12; i+8 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		if n < 0 || n > len(data)-i-8 {
			return nil
		}
		if string(data[i:i+4]) == id {
			return data[i+8 : i+8+n]
		}
		i += 8 + n + n&1 // chunks are padded to an even size
	}
	return nil
}

// pngChunk returns the payload of the first chunk named id of a PNG that
// comes before the image data (where eXIf must be).
func pngChunk(data []byte, id string) []byte {
	if len(data) < 8 || string(data[:8]) != pngMagic {
		return nil
	}
	for i := 8; i+12 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		if n < 0 || n > len(data)-i-12 {
			return nil
		}
		typ := string(data[i+4 : i+8])
		if typ == id {
			return data[i+8 : i+8+n]
		}
		if typ == "IDAT" {
			return nil
		}
		i += 12 + n
	}
	return nil
}

// tiffOrientation reads tag 0x0112 (Orientation) of IFD0 of a TIFF
// structure, as EXIF stores it. It returns 1 for anything malformed or out
// of range.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	ifd := int64(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > int64(len(t)) {
		return 1
	}
	count := int64(bo.Uint16(t[ifd:]))
	for i := int64(0); i < count; i++ {
		e := ifd + 2 + i*12
		if e+12 > int64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		// a SHORT with count 1 keeps its value in the first two bytes of
		// the value field
		if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) != 1 {
			return 1
		}
		o := int(bo.Uint16(t[e+8:]))
		if o < 1 || o > 8 {
			return 1
		}
		return o
	}
	return 1
}
