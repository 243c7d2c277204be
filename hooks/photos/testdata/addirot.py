# Adds an irot property (a 90° clockwise turn) to the primary item of a
# HEIF file written by heif-enc, fixing the sizes and iloc offsets.
import struct, sys
src, dst, angle = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = bytearray(open(src, 'rb').read())

def children(buf, off, end):
    out = []
    while off < end:
        size, typ = struct.unpack('>I4s', buf[off:off+8])
        out.append((typ, off, size))
        off += size
    return out

top = children(d, 0, len(d))
meta = next(b for b in top if b[0] == b'meta')
mk = children(d, meta[1]+12, meta[1]+meta[2])
iprp = next(b for b in mk if b[0] == b'iprp')
iloc = next(b for b in mk if b[0] == b'iloc')
pk = children(d, iprp[1]+8, iprp[1]+iprp[2])
ipco = next(b for b in pk if b[0] == b'ipco')
ipma = next(b for b in pk if b[0] == b'ipma')
nprops = len(children(d, ipco[1]+8, ipco[1]+ipco[2]))
newidx = nprops + 1

# new ipma: add the association to item 1
v = d[ipma[1]+8]; flags = int.from_bytes(d[ipma[1]+9:ipma[1]+12], 'big')
p = ipma[1]+12
count = struct.unpack('>I', d[p:p+4])[0]; p += 4
body = bytearray(d[ipma[1]+8:ipma[1]+16])
idsize = 2 if v < 1 else 4
asz = 2 if flags & 1 else 1
for _ in range(count):
    item = int.from_bytes(d[p:p+idsize], 'big'); n = d[p+idsize]
    assoc = d[p+idsize+1:p+idsize+1+n*asz]
    p += idsize+1+n*asz
    if item == 1:
        n += 1
        assoc = assoc + ((0x8000 | newidx).to_bytes(2, 'big') if asz == 2 else bytes([0x80 | newidx]))
    body += item.to_bytes(idsize, 'big') + bytes([n]) + assoc
newipma = struct.pack('>I4s', 8+len(body), b'ipma') + body
irot = struct.pack('>I4sB', 9, b'irot', angle)
newipco = struct.pack('>I4s', ipco[2]+9, b'ipco') + d[ipco[1]+8:ipco[1]+ipco[2]] + irot
delta = len(newipco) - ipco[2] + len(newipma) - ipma[2]

out = bytearray()
# rebuild iprp from its children in order
iprp_body = bytearray()
for typ, off, size in pk:
    iprp_body += newipco if typ == b'ipco' else newipma if typ == b'ipma' else d[off:off+size]
newiprp = struct.pack('>I4s', 8+len(iprp_body), b'iprp') + iprp_body
meta_body = bytearray(d[meta[1]+8:meta[1]+12])
for typ, off, size in mk:
    if typ == b'iprp':
        meta_body += newiprp
    elif typ == b'iloc':
        b = bytearray(d[off:off+size])
        # version 0, offset/length/base_offset sizes 4/4/4, as heif-enc writes
        assert b[8] == 0 and b[12] == 0x44 and b[13] == 0x40, 'unexpected iloc layout'
        q = 16; n = struct.unpack('>H', b[14:16])[0]
        for _ in range(n):
            base = struct.unpack('>I', b[q+4:q+8])[0]
            b[q+4:q+8] = struct.pack('>I', base + delta)
            ext = struct.unpack('>H', b[q+8:q+10])[0]
            q += 10 + ext*8
        meta_body += b
    else:
        meta_body += d[off:off+size]
newmeta = struct.pack('>I4s', 8+len(meta_body), b'meta') + meta_body
for typ, off, size in top:
    out += newmeta if typ == b'meta' else d[off:off+size]
open(dst, 'wb').write(out)
