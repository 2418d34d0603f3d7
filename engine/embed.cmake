# Embeds the prelude's Lua chunks in one C file, in load order:
#   cmake -DDIR=engine/lua -DCHUNKS=a.lua,stages/b.lua,... -DOUT=file.c -P embed.cmake
# Each chunk becomes a byte array and an entry {"=prelude/<path>", bytes,
# length} of pf_prelude_chunks[] (engine/pf_prelude.h); the chunk name is what
# Lua's error messages and tracebacks show.
string(REPLACE "," ";" chunks "${CHUNKS}")
set(arrays "")
set(entries "")
set(i 0)
foreach(chunk IN LISTS chunks)
  file(READ ${DIR}/${chunk} content HEX)
  string(LENGTH "${content}" hexlen)
  math(EXPR nbytes "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
  string(REGEX REPLACE "((0x..,){16})" "\\1\n" bytes "${bytes}")
  string(APPEND arrays "static const unsigned char chunk_${i}[] = {\n${bytes}0x00};\n")
  string(APPEND entries "    {\"=prelude/${chunk}\", chunk_${i}, ${nbytes}},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE ${OUT} "/* generated from engine/lua/ by engine/embed.cmake; do not edit */\n"
  "#include \"pf_prelude.h\"\n\n${arrays}\n"
  "const pf_prelude_chunk_t pf_prelude_chunks[] = {\n${entries}};\n"
  "const size_t pf_prelude_chunk_count = ${i};\n")
