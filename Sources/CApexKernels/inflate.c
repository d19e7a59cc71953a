#include "CApexKernels.h"

#include <string.h>
#include <zlib.h>

int apex_inflate_raw(const uint8_t *input, size_t input_length, uint8_t *output, size_t output_length) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) return -1;
    int status = Z_OK;
    size_t consumed = 0, produced = 0;
    while (status == Z_OK) {
        const size_t in_chunk = input_length - consumed > 1u << 30 ? 1u << 30 : input_length - consumed;
        const size_t out_chunk = output_length - produced > 1u << 30 ? 1u << 30 : output_length - produced;
        stream.next_in = (Bytef *)(input + consumed);
        stream.avail_in = (uInt)in_chunk;
        stream.next_out = output + produced;
        stream.avail_out = (uInt)out_chunk;
        status = inflate(&stream, Z_NO_FLUSH);
        consumed += in_chunk - stream.avail_in;
        produced += out_chunk - stream.avail_out;
        if (status == Z_OK && stream.avail_in == in_chunk && stream.avail_out == out_chunk) break; /* no progress */
    }
    inflateEnd(&stream);
    return status == Z_STREAM_END && produced == output_length ? 0 : -1;
}
