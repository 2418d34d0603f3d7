# Turns a text file into a C array: cmake -DIN=file -DOUT=file.c -P embed.cmake
file(READ ${IN} content HEX)
string(LENGTH "${content}" hexlen)
math(EXPR nbytes "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT} "/* generated from engine/lua/prelude.lua; do not edit */\n#include <stddef.h>\n"
  "const unsigned char pf_prelude_lua[] = {\n${bytes}0x00};\n"
  "const size_t pf_prelude_lua_len = ${nbytes};\n")
