package photos

import "peerbase/hooks/photos/photostest"

// The fixtures live in photostest, shared with the API tests.
var (
	phonePhoto    = photostest.PhonePhoto
	encodeJPEG    = photostest.EncodeJPEG
	encodePNG     = photostest.EncodePNG
	phoneJPEG     = photostest.PhoneJPEG
	exifTIFF      = photostest.ExifTIFF
	withAPP1      = photostest.WithAPP1
	hugePNG       = photostest.HugePNG
	hugeJPEG      = photostest.HugeJPEG
	animatedGIF   = photostest.AnimatedGIF
	markedRGBA    = photostest.MarkedRGBA
	readFixture   = photostest.ReadFixture
	pngChunkBytes = photostest.PNGChunk
)
