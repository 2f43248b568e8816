#ifndef EDPCTL_CCURL_SHIM_H
#define EDPCTL_CCURL_SHIM_H
#include <curl/curl.h>

/* Swift cannot call C's variadic functions, so each argument type of curl_easy_setopt and
   curl_easy_getinfo gets a typed wrapper. */

static inline CURLcode edp_curl_global_init(void) { return curl_global_init(CURL_GLOBAL_ALL); }

/* CURLVERSION_NOW is a macro naming an enum case, which Swift does not import. */
static inline curl_version_info_data *edp_curl_version_info(void) { return curl_version_info(CURLVERSION_NOW); }

static inline CURLcode edp_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode edp_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/* A string (copied by libcurl, except CURLOPT_POSTFIELDS, which is never used here), or NULL. */
static inline CURLcode edp_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode edp_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode edp_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*edp_curl_data_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode edp_easy_setopt_callback(CURL *handle, CURLoption option, edp_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

/* The bytes are copied by libcurl (CURL_BLOB_COPY): the caller's buffer may go at once. */
static inline CURLcode edp_easy_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob = { (void *)data, length, CURL_BLOB_COPY };
    return curl_easy_setopt(handle, option, &blob);
}

static inline CURLcode edp_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
