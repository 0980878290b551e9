/*
 * routeparam: the parameters of a route query, declared once (param.h) for
 * the CGI query string and afmts-route's options; route_param (route.h)
 * applies one by name.
 */
#ifndef AFMTS_ROUTEPARAM_H
#define AFMTS_ROUTEPARAM_H

#include "param.h"

extern const struct param route_params[];

#endif
