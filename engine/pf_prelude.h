/*
 * pf_prelude.h - the Lua prelude embedded in the binary: the modules under
 * engine/lua/ as chunks, in the order they are loaded (a fixed list in
 * CMakeLists.txt). The data is generated at build time by engine/embed.cmake
 * into pf_prelude_data.c; it is constant, owned by no one, never freed.
 * pf_eval loads the chunks, in order, into each Lua state.
 */
#ifndef PF_PRELUDE_H
#define PF_PRELUDE_H

#include <stddef.h>

typedef struct pf_prelude_chunk {
    const char *name;           /* chunk name for Lua: "=prelude/stages/2-fit.lua" */
    const unsigned char *bytes; /* the Lua source: length bytes, then a NUL */
    size_t length;              /* bytes of source */
} pf_prelude_chunk_t;

extern const pf_prelude_chunk_t pf_prelude_chunks[];
extern const size_t pf_prelude_chunk_count;

#endif
