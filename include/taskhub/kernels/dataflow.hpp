// SPDX-License-Identifier: MIT
// Part of taskhub.
// The dataflow kernel: a pipeline of stages streaming items engine to engine, pulled by credits,
// with checkpoints that let a stopped pipeline restart where its last checkpoint was.
#pragma once

#include <any>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "taskhub/detail/codec.hpp"
#include "taskhub/engine.hpp"
#include "taskhub/hub.hpp"

namespace taskhub::kernels {

/// How a dataflow pipeline runs.
struct dataflow_options {
  long items = 0;              // the source makes items 0 .. items-1
  std::vector<double> costs;   // expected cost of each stage, source first (empty: all equal)
  bool is_ordered = true;      // outputs in the order of the items they came from
  int window = 4;              // credits: messages a stage may hold from one sender
  long checkpoint_every = 0;   // a checkpoint after every this many items (0: none)
  std::string checkpoint_path; // the HDF5 file the last stage writes checkpoints to
  bool restore = false;        // start after the checkpoint in checkpoint_path

  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& items& costs& is_ordered& window& checkpoint_every& checkpoint_path& restore;
  }
};

/// The outputs of the last stage, and how the run went.
template <class Out>
struct dataflow_result {
  std::vector<Out> outputs;
  long first_item = 0;  // the first item this run made (after a restore: the checkpoint's)
  int checkpoints = 0;  // checkpoints written by this run
  long peak_held = 0;   // the most messages any stage held waiting at once
  std::vector<std::vector<int>> placement;  // per level of each segment: its stages, then -replicas
};

/// A pipeline: `Settings` (a type taskhub can ship, given to each stage's constructor when it
/// takes one), a source and stages. The source has `using out = T;` and
/// `void operator()(long index, std::vector<out>& emit)`; a stage has `using in`, `using out` and
/// `void operator()(const in&, std::vector<out>& emit)` (zero or more outputs per input).
/// A stage with per-stage state says `static constexpr bool is_stateful = true;` and has a
/// Boost `serialize` member: it runs once (never replicated) and its state goes into checkpoints.
/// A stage that must see the whole stream says `static constexpr bool is_whole_stream = true;`
/// and has `void collect(const in&)` and `void emit(std::vector<out>&)` (and `serialize`): the
/// pipeline before it runs to the end, then the part after it runs with its emissions as input.
template <class Settings, class Source, class... Stages>
struct pipeline {
  using settings = Settings;
  using stages = std::tuple<Source, Stages...>;
  using output = typename std::tuple_element_t<sizeof...(Stages), stages>::out;
};

namespace detail {

using taskhub::detail::bytes;
using taskhub::detail::reader;

/// One stage behind a virtual interface, so the streaming loop is compiled once in the runtime.
/// Items travel between stages as std::any holding std::vector<item>.
class stage_base {
 public:
  virtual ~stage_base() = default;
  virtual bool is_stateful() const = 0;
  virtual bool is_whole_stream() const = 0;
  virtual std::any generate(long index) = 0;         // the source
  virtual std::any run(std::any&& inputs) = 0;       // a stage
  virtual void collect(std::any&& inputs) = 0;       // a whole-stream stage, first phase
  virtual std::any emit() = 0;                       // a whole-stream stage, second phase
  virtual std::any decode_inputs(reader& in) const = 0;
  virtual void encode_outputs(const std::any& outputs, bytes& out) const = 0;
  virtual std::size_t count(const std::any& outputs) const = 0;
  virtual std::any slice(const std::any& outputs, std::size_t i) const = 0;  // one output
  virtual void save(bytes& out) const = 0;
  virtual void load(reader& in) = 0;
};

template <class T, class = void>
struct input_of {
  using type = long;  // the source: an index
};
template <class T>
struct input_of<T, std::void_t<typename T::in>> {
  using type = typename T::in;
};
template <class T, class = void>
struct stateful_flag : std::false_type {};
template <class T>
struct stateful_flag<T, std::void_t<decltype(T::is_stateful)>> : std::bool_constant<T::is_stateful> {};
template <class T, class = void>
struct whole_stream_flag : std::false_type {};
template <class T>
struct whole_stream_flag<T, std::void_t<decltype(T::is_whole_stream)>>
    : std::bool_constant<T::is_whole_stream> {};

template <class Settings, class S>
class stage_box final : public stage_base {
 public:
  using in = typename input_of<S>::type;
  using out = typename S::out;
  static constexpr bool stateful = stateful_flag<S>::value || whole_stream_flag<S>::value;

  explicit stage_box(const Settings& s) : s_(make(s)) {}
  bool is_stateful() const override { return stateful; }
  bool is_whole_stream() const override { return whole_stream_flag<S>::value; }
  std::any generate(long index) override {
    std::vector<out> o;
    if constexpr (!whole_stream_flag<S>::value && std::is_invocable_v<S&, long, std::vector<out>&>)
      s_(index, o);
    return o;
  }
  std::any run(std::any&& inputs) override {
    std::vector<out> o;
    if constexpr (!whole_stream_flag<S>::value && std::is_invocable_v<S&, const in&, std::vector<out>&>)
      for (const auto& x : std::any_cast<std::vector<in>&>(inputs)) s_(x, o);
    return o;
  }
  void collect(std::any&& inputs) override {
    if constexpr (whole_stream_flag<S>::value)
      for (const auto& x : std::any_cast<std::vector<in>&>(inputs)) s_.collect(x);
  }
  std::any emit() override {
    std::vector<out> o;
    if constexpr (whole_stream_flag<S>::value) s_.emit(o);
    return o;
  }
  std::any decode_inputs(reader& r) const override {
    return taskhub::detail::decode<std::vector<in>>(r);
  }
  void encode_outputs(const std::any& outputs, bytes& b) const override {
    taskhub::detail::encode(b, std::any_cast<const std::vector<out>&>(outputs));
  }
  std::size_t count(const std::any& outputs) const override {
    return std::any_cast<const std::vector<out>&>(outputs).size();
  }
  std::any slice(const std::any& outputs, std::size_t i) const override {
    return std::vector<out>{std::any_cast<const std::vector<out>&>(outputs)[i]};
  }
  void save(bytes& b) const override {
    if constexpr (stateful) taskhub::detail::encode(b, s_);
  }
  void load(reader& r) override {
    if constexpr (stateful) s_ = taskhub::detail::decode<S>(r);
  }

 private:
  static S make(const Settings& s) {
    if constexpr (std::is_constructible_v<S, const Settings&>) {
      return S(s);
    } else {
      return S();
    }
  }
  S s_;
};

/// A run of consecutive stages on `replicas` engines from `first_place` on.
struct level {
  int first_stage = 0, last_stage = 0;  // inclusive
  int replicas = 1, first_place = 0;
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& first_stage& last_stage& replicas& first_place;
  }
};

/// One segment: the part of a pipeline between whole-stream stages.
struct segment_plan {
  std::vector<level> levels;
  bool starts_with_emit = false;   // the first stage is a whole-stream stage emitting
  bool ends_with_collect = false;  // the last stage is a whole-stream stage collecting
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& levels& starts_with_emit& ends_with_collect;
  }
};

/// The segments and the placement of their stages on `engines` engines.
struct stage_traits {
  double cost = 1;
  bool is_stateful = false, is_whole_stream = false;
};
std::vector<segment_plan> plan_pipeline(const std::vector<stage_traits>& stages, int engines);

/// What one engine's part of a segment gives back.
struct worker_result {
  std::string outputs;  // the last stage's outputs: one encoded vector per item
  long batches = 0, first_item = 0, peak_held = 0;
  int checkpoints = 0;
  bool is_last = false;
  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& outputs& batches& first_item& peak_held& checkpoints& is_last;
  }
};

/// The streaming loop of one engine for one segment (compiled in the runtime).
worker_result run_worker(std::vector<std::unique_ptr<stage_base>>& stages,
                         const segment_plan& plan, const dataflow_options& o, int segment,
                         int first_engine);

template <class Pipeline, std::size_t... I>
std::vector<std::unique_ptr<stage_base>> make_stages(const typename Pipeline::settings& s,
                                                     std::index_sequence<I...>) {
  using stages = typename Pipeline::stages;
  std::vector<std::unique_ptr<stage_base>> v;
  (v.push_back(std::make_unique<stage_box<typename Pipeline::settings, std::tuple_element_t<I, stages>>>(s)),
   ...);
  return v;
}

template <class Pipeline>
worker_result dataflow_task(const typename Pipeline::settings& s, const dataflow_options& o,
                            const segment_plan& plan, int segment, int first_engine) {
  constexpr auto n = std::tuple_size_v<typename Pipeline::stages>;
  auto stages = make_stages<Pipeline>(s, std::make_index_sequence<n>());
  return run_worker(stages, plan, o, segment, first_engine);
}

template <class Stages, std::size_t... I>
constexpr bool chains(std::index_sequence<I...>) {
  return (std::is_same_v<typename std::tuple_element_t<I, Stages>::out,
                         typename std::tuple_element_t<I + 1, Stages>::in> &&
          ...);
}

template <class Stages, std::size_t... I>
std::vector<stage_traits> traits_of(const std::vector<double>& costs, std::index_sequence<I...>) {
  std::vector<stage_traits> t{
      {I < costs.size() ? costs[I] : 1.0,
       stateful_flag<std::tuple_element_t<I, Stages>>::value,
       whole_stream_flag<std::tuple_element_t<I, Stages>>::value}...};
  return t;
}

}  // namespace detail

/// Streams `o.items` items from the pipeline's source through its stages on every engine at
/// once: stages are placed on engines by cost (costly stateless stages get several engines,
/// stateful ones one, and with fewer engines than stages neighbours share one), items move
/// engine to engine only when the receiver has granted credit, and the last stage's outputs come
/// back in item order (unless `o.is_ordered` is false).
template <class Pipeline>
dataflow_result<typename Pipeline::output> dataflow(hub& h, const typename Pipeline::settings& s,
                                                    const dataflow_options& o) {
  using stages = typename Pipeline::stages;
  constexpr auto n = std::tuple_size_v<stages>;
  static_assert(detail::chains<stages>(std::make_index_sequence<n - 1>()),
                "Each stage's `in` must be the `out` of the stage before it.");
  if ((o.checkpoint_every > 0 || o.restore) && o.checkpoint_path.empty())
    throw taskhub::error("dataflow: checkpoints need a checkpoint_path");
  const auto plan = detail::plan_pipeline(
      detail::traits_of<stages>(o.costs, std::make_index_sequence<n>()),
      static_cast<int>(h.engines().size()));
  dataflow_result<typename Pipeline::output> result;
  for (std::size_t k = 0; k < plan.size(); ++k) {
    for (const auto& l : plan[k].levels) {
      std::vector<int> p;
      for (int i = l.first_stage; i <= l.last_stage; ++i) p.push_back(i);
      p.push_back(-l.replicas);
      result.placement.push_back(std::move(p));
    }
    auto parts = h.all()
                     .apply<&detail::dataflow_task<Pipeline>>(s, o, plan[k], static_cast<int>(k),
                                                              h.engines().front())
                     .get();
    for (auto& w : parts) {
      result.peak_held = std::max(result.peak_held, w.peak_held);
      result.checkpoints += w.checkpoints;
      if (w.is_last && k == 0) result.first_item = w.first_item;
      if (!w.is_last || k + 1 != plan.size()) continue;
      taskhub::detail::reader in(w.outputs.data(), w.outputs.size());
      for (long i = 0; i < w.batches; ++i)
        for (auto& x : taskhub::detail::decode<std::vector<typename Pipeline::output>>(in))
          result.outputs.push_back(std::move(x));
    }
  }
  return result;
}

}  // namespace taskhub::kernels
