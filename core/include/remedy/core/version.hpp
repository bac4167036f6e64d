#pragma once

namespace remedy {

/// Returns the version of the Remedy library this program links, as
/// "major.minor.patch" (e.g. "0.1.0"). The string has static storage duration.
const char* version() noexcept;

} // namespace remedy
