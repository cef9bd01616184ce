#pragma once
// The plugin ABI version. Bump it whenever a public SDK header changes in a way that
// breaks binary compatibility (layout of Image, Node, Context, NodeSpec, Registry).
// The loader refuses a plugin whose version differs, naming both versions and the file.
#define MIRFLOW_ABI_VERSION 5
