/*
 * pf_import.h - `partnerfit import`: a form or spreadsheet export (CSV) in,
 * one intake file per response row out, as a map file says.
 */
#ifndef PF_IMPORT_H
#define PF_IMPORT_H

#include <stdio.h>

#include "pf_tools.h"

int pf_cmd_import(const pf_tools_options_t *o, FILE *out, FILE *log);

#endif
