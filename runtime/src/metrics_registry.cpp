#include "remedy/runtime/metrics_registry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "remedy/core/error.hpp"

namespace remedy {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

caf::error bad(const std::string& name, const std::string& what) {
  return make_error(errc::invalid_argument, "metric '" + name + "': " + what);
}

metric_labels sorted(const metric_labels& xs) {
  auto result = xs;
  std::sort(result.begin(), result.end());
  return result;
}

} // namespace

const char* to_string(metric_type x) {
  switch (x) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

bool metrics_registry::valid_metric_name(const std::string& x) {
  if (x.empty())
    return false;
  for (size_t i = 0; i < x.size(); ++i) {
    auto c = x[i];
    if (!(is_alpha(c) || c == '_' || c == ':' || (i > 0 && is_digit(c))))
      return false;
  }
  return true;
}

bool metrics_registry::valid_label_name(const std::string& x) {
  if (x.empty() || x.compare(0, 2, "__") == 0)
    return false;
  for (size_t i = 0; i < x.size(); ++i) {
    auto c = x[i];
    if (!(is_alpha(c) || c == '_' || (i > 0 && is_digit(c))))
      return false;
  }
  return true;
}

std::string metrics_registry::escape_label_value(const std::string& x) {
  std::string result;
  result.reserve(x.size());
  for (auto c : x) {
    switch (c) {
      case '\\':
        result += "\\\\";
        break;
      case '"':
        result += "\\\"";
        break;
      case '\n':
        result += "\\n";
        break;
      default:
        result += c;
    }
  }
  return result;
}

std::string metrics_registry::escape_help(const std::string& x) {
  std::string result;
  result.reserve(x.size());
  for (auto c : x) {
    if (c == '\\')
      result += "\\\\";
    else if (c == '\n')
      result += "\\n";
    else
      result += c;
  }
  return result;
}

std::string metrics_registry::format_value(double x) {
  if (std::isnan(x))
    return "NaN";
  if (std::isinf(x))
    return x > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (x == std::floor(x) && std::fabs(x) < 9007199254740992.0) {
    std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(x));
    return buf;
  }
  // The shortest %g that reads back as the same double.
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*g", digits, x);
    if (std::strtod(buf, nullptr) == x)
      break;
  }
  return buf;
}

caf::error metrics_registry::declare(const std::string& name,
                                     const std::string& help, metric_type type,
                                     std::vector<double> bounds) {
  if (!valid_metric_name(name))
    return bad(name, "invalid metric name");
  if (families_.count(name) > 0)
    return bad(name, "declared twice");
  // A histogram's series take the names _bucket, _sum and _count: no other
  // family may use them, and a histogram may not clash with one declared.
  for (auto& [other, fam] : families_) {
    auto clashes = [](const std::string& hist, const std::string& x) {
      return x == hist + "_bucket" || x == hist + "_sum"
             || x == hist + "_count";
    };
    if ((fam.type == metric_type::histogram && clashes(other, name))
        || (type == metric_type::histogram && clashes(name, other)))
      return bad(name, "clashes with the series of '" + other + "'");
  }
  if (type == metric_type::histogram) {
    if (bounds.empty())
      return bad(name, "a histogram needs at least one bucket");
    for (size_t i = 0; i < bounds.size(); ++i) {
      if (!std::isfinite(bounds[i]))
        return bad(name, "bucket bounds must be finite (+Inf is implied)");
      if (i > 0 && !(bounds[i] > bounds[i - 1]))
        return bad(name, "bucket bounds must be strictly increasing");
    }
  }
  auto& fam = families_[name];
  fam.type = type;
  fam.help = help;
  fam.bounds = std::move(bounds);
  return caf::none;
}

caf::error metrics_registry::add_counter(const std::string& name,
                                         const std::string& help) {
  return declare(name, help, metric_type::counter, {});
}

caf::error metrics_registry::add_gauge(const std::string& name,
                                       const std::string& help) {
  return declare(name, help, metric_type::gauge, {});
}

caf::error metrics_registry::add_histogram(const std::string& name,
                                           const std::string& help,
                                           std::vector<double> bounds) {
  return declare(name, help, metric_type::histogram, std::move(bounds));
}

caf::error metrics_registry::find(const std::string& name, metric_type type,
                                  const metric_labels& labels, family*& fam,
                                  metric_labels& key) {
  auto i = families_.find(name);
  if (i == families_.end())
    return bad(name, "not declared");
  if (i->second.type != type)
    return bad(name, std::string{"is a "} + to_string(i->second.type)
                       + ", not a " + to_string(type));
  key = sorted(labels);
  for (size_t j = 0; j < key.size(); ++j) {
    auto& label = key[j].first;
    if (!valid_label_name(label))
      return bad(name, "invalid label name '" + label + "'");
    if (type == metric_type::histogram && label == "le")
      return bad(name, "label 'le' is reserved for histogram buckets");
    if (j > 0 && key[j - 1].first == label)
      return bad(name, "label '" + label + "' given twice");
  }
  fam = &i->second;
  return caf::none;
}

caf::error metrics_registry::inc(const std::string& name,
                                 const metric_labels& labels, double x) {
  if (!std::isfinite(x) || x < 0)
    return bad(name, "a counter only goes up by a finite amount");
  family* fam = nullptr;
  metric_labels key;
  if (auto err = find(name, metric_type::counter, labels, fam, key))
    return err;
  fam->all[key].value += x;
  return caf::none;
}

caf::error metrics_registry::set(const std::string& name,
                                 const metric_labels& labels, double x) {
  family* fam = nullptr;
  metric_labels key;
  if (auto err = find(name, metric_type::gauge, labels, fam, key))
    return err;
  fam->all[key].value = x;
  return caf::none;
}

caf::error metrics_registry::add(const std::string& name,
                                 const metric_labels& labels, double x) {
  family* fam = nullptr;
  metric_labels key;
  if (auto err = find(name, metric_type::gauge, labels, fam, key))
    return err;
  fam->all[key].value += x;
  return caf::none;
}

caf::error metrics_registry::observe(const std::string& name,
                                     const metric_labels& labels, double x,
                                     uint64_t n) {
  if (!std::isfinite(x))
    return bad(name, "observations must be finite");
  family* fam = nullptr;
  metric_labels key;
  if (auto err = find(name, metric_type::histogram, labels, fam, key))
    return err;
  auto& h = fam->all[key].hist;
  if (h.counts.empty())
    h.counts.resize(fam->bounds.size() + 1, 0);
  auto i = std::lower_bound(fam->bounds.begin(), fam->bounds.end(), x);
  h.counts[static_cast<size_t>(i - fam->bounds.begin())] += n;
  h.sum += x * static_cast<double>(n);
  h.count += n;
  return caf::none;
}

void metrics_registry::remove(const std::string& name,
                              const metric_labels& labels) {
  auto i = families_.find(name);
  if (i != families_.end())
    i->second.all.erase(sorted(labels));
}

double metrics_registry::value(const std::string& name,
                               const metric_labels& labels) const {
  auto i = families_.find(name);
  if (i == families_.end())
    return 0.0;
  auto j = i->second.all.find(sorted(labels));
  return j != i->second.all.end() ? j->second.value : 0.0;
}

const metrics_registry::histogram_data*
metrics_registry::histogram(const std::string& name,
                            const metric_labels& labels) const {
  auto i = families_.find(name);
  if (i == families_.end() || i->second.type != metric_type::histogram)
    return nullptr;
  auto j = i->second.all.find(sorted(labels));
  return j != i->second.all.end() ? &j->second.hist : nullptr;
}

bool metrics_registry::has(const std::string& name) const {
  return families_.count(name) > 0;
}

namespace {

void put_labels(std::string& out, const metric_labels& labels,
                const char* le = nullptr, const std::string& le_value = {}) {
  if (labels.empty() && le == nullptr)
    return;
  out += '{';
  auto first = true;
  for (auto& [k, v] : labels) {
    if (!first)
      out += ',';
    first = false;
    out += k;
    out += "=\"";
    out += metrics_registry::escape_label_value(v);
    out += '"';
  }
  if (le != nullptr) {
    if (!first)
      out += ',';
    out += le;
    out += "=\"";
    out += le_value;
    out += '"';
  }
  out += '}';
}

void put_sample(std::string& out, const std::string& name,
                const metric_labels& labels, double x, const char* le = nullptr,
                const std::string& le_value = {}) {
  out += name;
  put_labels(out, labels, le, le_value);
  out += ' ';
  out += metrics_registry::format_value(x);
  out += '\n';
}

} // namespace

std::string metrics_registry::render() const {
  std::string out;
  for (auto& [name, fam] : families_) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += escape_help(fam.help);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += to_string(fam.type);
    out += '\n';
    for (auto& [labels, s] : fam.all) {
      if (fam.type != metric_type::histogram) {
        put_sample(out, name, labels, s.value);
        continue;
      }
      auto& h = s.hist;
      uint64_t cumulative = 0;
      for (size_t i = 0; i < fam.bounds.size(); ++i) {
        cumulative += i < h.counts.size() ? h.counts[i] : 0;
        put_sample(out, name + "_bucket", labels,
                   static_cast<double>(cumulative), "le",
                   format_value(fam.bounds[i]));
      }
      put_sample(out, name + "_bucket", labels, static_cast<double>(h.count),
                 "le", "+Inf");
      put_sample(out, name + "_sum", labels, h.sum);
      put_sample(out, name + "_count", labels, static_cast<double>(h.count));
    }
  }
  return out;
}

} // namespace remedy
