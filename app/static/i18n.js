// Every word the explorer shows, in English and Japanese, and the language it shows them in: the
// browser's (navigator.languages: ja is Japanese, anything else English) until the reader picks
// one, which the address then keeps (#lang=ja). The service's own texts (its error details, a
// formula, a kink's convention) are English and are shown under a heading in the reader's language.

export const LANGUAGES = ["en", "ja"];
// Each language by its own name, for the switch.
export const LANGUAGE_NAMES = { en: "English", ja: "日本語" };

// A value is a string with {placeholders}, or a function of the values given to t().
const STRINGS = {
  en: {
    "page.title": "Activation functions — explorer",
    "page.heading": "Activation functions",
    "page.skip": "Skip to the plot",
    "nav.label": "API documentation",
    "nav.docs": "API docs",
    "nav.redoc": "Reference",
    "nav.openapi": "OpenAPI",
    "lang.label": "Language",
    "controls.label": "Function, parameters and x range",
    "fn.label": "Function",
    "fn.loading": "Loading…",
    "props.label": "Properties",
    "params.legend": "Parameters",
    "params.none": "This function has no parameters.",
    "params.reset": "Reset to defaults",
    "params.slider": "{name} slider",
    "range.legend": "x range",
    "range.min": "x min",
    "range.max": "x max",
    "range.minSlider": "x min slider",
    "range.maxSlider": "x max slider",
    "drawing.legend": "Drawing",
    "order.legend": "Panels",
    "order.0": "f only",
    "order.0.label": "f only",
    "order.1.label": "f and f′",
    "order.2.label": "f, f′ and f″",
    "order.3.label": "f, f′, f″ and f‴",
    "order.help": "f, then one panel per derivative up to the one chosen.",
    "order.limited": "f″ and f‴ are computed in float64 only, not in {dtype}.",
    "dtype.label": "Precision",
    "dtype.helpLow": "x rounded to {dtype}; f and f′ as PyTorch computes them in {dtype}.",
    "dtype.help": "f and its derivatives in float64; choose a lower precision to see its rounding.",
    "grid.label": "Grid",
    "plot.heading": "Plot",
    "plot.cursorHelp":
      "Move the pointer over the plot, or use the left and right arrow keys (with Shift for larger steps), to read f(x) and its derivatives.",
    "plot.copy": "Copy curl",
    "plot.copied": "Copied",
    "plot.selected": "Selected: press Ctrl+C",
    "plot.download": "Download {kind}",
    "plot.notOffered": "This server does not draw this plot; the CSV below has its numbers.",
    "plot.loading": "Drawing…",
    "analysis.heading": "Analysis",
    "analysis.notOffered": "This server does not offer an analysis endpoint yet.",
    "precision.heading": "Precision",
    "precision.intro":
      "Where f′ rounds to exactly 0 in each precision (a vanishing gradient from rounding alone), for this function with its parameters.",
    "precision.exprHeading": "Precision: where f′ rounds to exactly 0",
    "precision.column": "precision",
    "precision.from": "f′ = 0 from",
    "precision.below": "f′ = 0 below",
    "precision.never": "never",
    "precision.more": "More numbers",
    "precision.plot": "Plot f′ in each precision",
    "precision.plotAlt": "|f′| in each precision and exactly, on a log scale, with where it is exactly 0 shaded",
    "expr.heading": "Expression",
    "expr.plot": "Plot",
    "expr.add": "Add to comparison",
    "expr.help1":
      "Numbers, pi and e, + − * /, **, exp, log, sqrt, abs, erf, minimum, maximum and every function by name, e.g.",
    "expr.help2": ". Press Enter to plot.",
    "expr.empty": "Type an expression in x first, for example 2*sigmoid(2*x) - 1.",
    "compare.heading": "Comparison",
    "compare.fn": "Function",
    "compare.add": "Add",
    "compare.addCurrent": "Add the current curve",
    "compare.curves": "Curves in the comparison",
    "compare.empty": "Add two or more curves to draw them together.",
    "compare.remove": "Remove {label}",
    "compare.tooMany": "At most {n} curves can be compared; remove one first.",
    "notice.missing": "Not offered by this server: {routes}.",
    // Errors: the explorer's own, and the heading over the service's English detail.
    "error.service": "The service answered {status}:",
    "error.unreachable": "The service could not be reached:",
    "error.network": "The request did not reach the service.",
    "error.timeout": "No answer within {seconds} s; try a smaller request.",
    "error.range": "x min must be less than x max ({low} ≥ {high}).",
    "error.status": "The service answered {status}.",
    // Descriptions of what a plot shows (its alt text).
    "alt.derivs": (v) =>
      v.order > 0
        ? ` and ${v.whose} ${[v.whose === "their" ? "derivatives" : "derivative", "first two derivatives", "first three derivatives"][v.order - 1]}`
        : "",
    "alt.range": " for x from {low} to {high}",
    "alt.precision": ", computed in {dtype}",
    "alt.comparison": "Comparison of {labels}",
    // Property tags.
    "tag.range": "range {range}",
    "tag.monotonic": "monotonic",
    "tag.smooth": "smooth",
    "tag.notSmooth": "not smooth",
    "tag.discontinuous": "discontinuous",
    "tag.discontinuousTitle": "f itself jumps somewhere",
    "tag.ck": (v) => `${v.k} times continuously differentiable${v.k === 0 ? " (continuous)" : ""}`,
    "tag.cinf": "infinitely differentiable",
    "tag.vanishes": "f″ = 0 a.e.",
    "tag.zeroCentred": "zero-centred",
    "tag.saturatesLeft": "saturates left",
    "tag.saturatesRight": "saturates right",
    "tag.sparse": "sparse",
    "tag.sparseTitle": "{share} of outputs are exactly 0 for x ~ N(0, 1)",
    "tag.rangeTitle": "output range with these parameters",
    "tag.kink": "kink at {where}: {parts}",
    "tag.pending": "analysing…",
    // The analysis numbers.
    "an.sparsity": "Sparsity",
    "an.fraction_zero": "outputs exactly 0 for x ~ N(0, 1)",
    "an.zero_fraction_of_range": "share of the x range where f = 0",
    "an.zero_intervals": "f = 0 on",
    "an.saturation": "Saturation",
    "an.fraction_of_range": "share of the range where f′ is near 0",
    "an.intervals": "saturated on",
    "an.eps_rule": "near 0 means",
    "an.why": "why",
    "an.gradient": "Gradient",
    "an.max_abs": "largest |f′| on the range",
    "an.argmax": "at x =",
    "an.max_abs_second": "largest |f″| on the range",
    "an.at_zero": "f′(0)",
    "an.gain_bound": "largest gain through the layers",
    "an.depth": "layers",
    "an.outputs": "Outputs for x ~ N(0, σ²)",
    "an.mean": "mean",
    "an.variance": "variance",
    "an.negative_fraction": "negative outputs",
    "an.sigma": "σ",
    "an.nowhere": "nowhere",
    "an.yes": "yes",
    "an.no": "no",
    "an.none": "none",
    // The panels of the article's claims.
    "claims.heading": "The article's claims",
    "claims.intro": "Three claims of the article, computed by the service on small random networks.",
    "claims.functions": "Functions",
    "claims.run": "Run",
    "claims.measure": "Measure",
    "claims.loading": "Computing…",
    "claims.idle": "Press Run, or scroll here, to compute.",
    "claims.chooseOne": "Choose at least one function.",
    "flow.heading": "Gradient flow through depth",
    "flow.intro":
      "The gradient of a deep network at each layer: sigmoid's shrinks towards the input, ReLU's keeps its size under He initialisation.",
    "flow.depth": "Depth (layers)",
    "flow.init": "Initialisation",
    "flow.alt": "Gradient norm per layer of a {depth}-layer network ({init}) for {labels}",
    "flow.ratio": "gain per layer",
    "flow.first": "|∂L/∂h|, layer 1",
    "flow.last": "|∂L/∂h|, layer {depth}",
    "flow.sparsity": "zeros (mean)",
    "dead.heading": "Dead units and the learning rate",
    "dead.intro":
      "Units whose output is 0 for every input stop learning; with plain SGD, more ReLUs die as the learning rate grows.",
    "dead.lr": "Learning rate",
    "dead.steps": "SGD steps",
    "dead.alt": "Share of dead units during {steps} steps of SGD at learning rate {lr} for {labels}",
    "dead.final": "dead at the end",
    "dead.loss": "final loss",
    "dead.diverged": "diverged at step",
    "cost.heading": "Cost per element",
    "cost.intro": "Time per element of f and f′ on this server, now: a measurement, not a constant.",
    "cost.n": "Elements",
    "cost.value": "f (ns)",
    "cost.derivative": "f′ (ns)",
    "cost.relative": "f against ReLU",
    "cost.bars": "Time of f per element, relative to ReLU",
    "cost.machine": "{n} elements, median of {repeats} runs; numpy {numpy} on {machine}.",
    "table.function": "function",
    // The errors of values computed in a lower precision.
    "err.yUlp": "f off by at most {ulp}",
    "err.dyUlp": "f′ by {ulp}",
    "err.underflow": (v) => `f′ underflows to 0 at ${v.count} ${v.count === 1 ? "point" : "points"}`,
    "err.nonfinite": (v) => `inf or nan at ${v.count} ${v.count === 1 ? "point" : "points"} where the exact value is finite`,
    "err.sentence": "{dtype} against the exact values at these {count} points: {parts}.",
    "err.joiner": ", ",
    "init.he": "He",
    "init.xavier": "Xavier",
    "init.lecun": "LeCun",
    "init.normal": "normal",
  },
  ja: {
    "page.title": "活性化関数エクスプローラー",
    "page.heading": "活性化関数",
    "page.skip": "グラフへ移動",
    "nav.label": "API ドキュメント",
    "nav.docs": "API ドキュメント",
    "nav.redoc": "リファレンス",
    "nav.openapi": "OpenAPI",
    "lang.label": "言語",
    "controls.label": "関数・パラメータ・x の範囲",
    "fn.label": "関数",
    "fn.loading": "読み込み中…",
    "props.label": "性質",
    "params.legend": "パラメータ",
    "params.none": "この関数にはパラメータがありません。",
    "params.reset": "既定値に戻す",
    "params.slider": "{name} のスライダー",
    "range.legend": "x の範囲",
    "range.min": "x の最小値",
    "range.max": "x の最大値",
    "range.minSlider": "x の最小値のスライダー",
    "range.maxSlider": "x の最大値のスライダー",
    "drawing.legend": "描画",
    "order.legend": "パネル",
    "order.0": "f のみ",
    "order.0.label": "f のみ",
    "order.1.label": "f と f′",
    "order.2.label": "f、f′ と f″",
    "order.3.label": "f、f′、f″ と f‴",
    "order.help": "f と、選んだ階数までの導関数を 1 つずつパネルに描きます。",
    "order.limited": "f″ と f‴ は float64 でのみ計算します（{dtype} では計算しません）。",
    "dtype.label": "精度",
    "dtype.helpLow": "x を {dtype} に丸め、f と f′ を PyTorch と同じく {dtype} で計算します。",
    "dtype.help": "f とその導関数は float64 で計算します。低い精度を選ぶと丸めの影響が見えます。",
    "grid.label": "グリッド",
    "plot.heading": "グラフ",
    "plot.cursorHelp":
      "グラフの上でポインタを動かすか、左右の矢印キー（Shift で大きく移動）で、f(x) とその導関数の値を読めます。",
    "plot.copy": "curl をコピー",
    "plot.copied": "コピーしました",
    "plot.selected": "選択しました：Ctrl+C でコピー",
    "plot.download": "{kind} をダウンロード",
    "plot.notOffered": "このサーバーはこのグラフを描けません。下の CSV に数値があります。",
    "plot.loading": "描画中…",
    "analysis.heading": "解析",
    "analysis.notOffered": "このサーバーには解析のエンドポイントがありません。",
    "precision.heading": "精度",
    "precision.intro":
      "各精度で f′ がちょうど 0 に丸められる範囲（丸めだけで起こる勾配消失）。この関数とパラメータについて示します。",
    "precision.exprHeading": "精度：f′ がちょうど 0 に丸められる範囲",
    "precision.column": "精度",
    "precision.from": "f′ = 0（右側）",
    "precision.below": "f′ = 0（左側）",
    "precision.never": "なし",
    "precision.more": "その他の数値",
    "precision.plot": "各精度の f′ を描く",
    "precision.plotAlt": "各精度と厳密値の |f′|（対数目盛）。ちょうど 0 になる範囲に網掛け",
    "expr.heading": "式",
    "expr.plot": "描画",
    "expr.add": "比較に追加",
    "expr.help1":
      "数値、pi と e、+ − * /、**、exp、log、sqrt、abs、erf、minimum、maximum と、すべての活性化関数の名前が使えます。例：",
    "expr.help2": "。Enter で描画します。",
    "expr.empty": "まず x の式を入力してください（例：2*sigmoid(2*x) - 1）。",
    "compare.heading": "比較",
    "compare.fn": "関数",
    "compare.add": "追加",
    "compare.addCurrent": "表示中の曲線を追加",
    "compare.curves": "比較する曲線",
    "compare.empty": "2 本以上の曲線を追加すると重ねて描きます。",
    "compare.remove": "{label} を削除",
    "compare.tooMany": "比較できる曲線は {n} 本までです。先にどれかを削除してください。",
    "notice.missing": "このサーバーにないもの：{routes}。",
    "error.service": "サービスの応答 {status}（詳細は英語）：",
    "error.unreachable": "サービスに接続できませんでした：",
    "error.network": "リクエストがサービスに届きませんでした。",
    "error.timeout": "{seconds} 秒以内に応答がありませんでした。小さな条件で試してください。",
    "error.range": "x の最小値は最大値より小さくしてください（{low} ≥ {high}）。",
    "error.status": "サービスの応答 {status}。",
    "alt.derivs": (v) =>
      v.order > 0 ? `と${["1 階", "2 階まで", "3 階まで"][v.order - 1]}の導関数` : "",
    "alt.range": "（x は {low} から {high}）",
    "alt.precision": "、{dtype} で計算",
    "alt.comparison": "{labels} の比較",
    "tag.range": "値域 {range}",
    "tag.monotonic": "単調",
    "tag.smooth": "滑らか",
    "tag.notSmooth": "滑らかでない",
    "tag.discontinuous": "不連続",
    "tag.discontinuousTitle": "f 自身がどこかで跳ぶ",
    "tag.ck": (v) => `${v.k} 回連続微分可能${v.k === 0 ? "（連続）" : ""}`,
    "tag.cinf": "無限回微分可能",
    "tag.vanishes": "f″ = 0（ほとんど至る所）",
    "tag.zeroCentred": "ゼロ中心",
    "tag.saturatesLeft": "左で飽和",
    "tag.saturatesRight": "右で飽和",
    "tag.sparse": "スパース",
    "tag.sparseTitle": "x ~ N(0, 1) で出力の {share} がちょうど 0",
    "tag.rangeTitle": "このパラメータでの出力の範囲",
    "tag.kink": "{where} で折れ曲がり：{parts}",
    "tag.pending": "解析中…",
    "an.sparsity": "スパース性",
    "an.fraction_zero": "x ~ N(0, 1) で出力がちょうど 0 の割合",
    "an.zero_fraction_of_range": "x の範囲のうち f = 0 の割合",
    "an.zero_intervals": "f = 0 の区間",
    "an.saturation": "飽和",
    "an.fraction_of_range": "範囲のうち f′ がほぼ 0 の割合",
    "an.intervals": "飽和する区間",
    "an.eps_rule": "「ほぼ 0」の基準",
    "an.why": "理由",
    "an.gradient": "勾配",
    "an.max_abs": "範囲内の |f′| の最大値",
    "an.argmax": "その位置 x =",
    "an.max_abs_second": "範囲内の |f″| の最大値",
    "an.at_zero": "f′(0)",
    "an.gain_bound": "層を通した利得の上限",
    "an.depth": "層の数",
    "an.outputs": "x ~ N(0, σ²) に対する出力",
    "an.mean": "平均",
    "an.variance": "分散",
    "an.negative_fraction": "負の出力の割合",
    "an.sigma": "σ",
    "an.nowhere": "なし",
    "an.yes": "はい",
    "an.no": "いいえ",
    "an.none": "なし",
    "claims.heading": "記事の主張を確かめる",
    "claims.intro": "記事の 3 つの主張を、小さなランダムネットワークでサービスが計算します。",
    "claims.functions": "関数",
    "claims.run": "実行",
    "claims.measure": "計測",
    "claims.loading": "計算中…",
    "claims.idle": "「実行」を押すか、ここまでスクロールすると計算します。",
    "claims.chooseOne": "関数を 1 つ以上選んでください。",
    "flow.heading": "深さと勾配の流れ",
    "flow.intro":
      "深いネットワークの各層での勾配の大きさ。シグモイドでは入力側に向かって小さくなり（勾配消失）、He の初期化の ReLU では大きさが保たれます。",
    "flow.depth": "深さ（層の数）",
    "flow.init": "重みの初期化",
    "flow.alt": "{depth} 層のネットワーク（{init}）の層ごとの勾配の大きさ：{labels}",
    "flow.ratio": "1 層あたりの倍率",
    "flow.first": "|∂L/∂h|（第 1 層）",
    "flow.last": "|∂L/∂h|（第 {depth} 層）",
    "flow.sparsity": "0 の割合（平均）",
    "dead.heading": "死んだユニットと学習率",
    "dead.intro":
      "どの入力にも 0 を出力するユニットは学習が止まります。単純な SGD では、学習率が大きいほど多くの ReLU が死にます。",
    "dead.lr": "学習率",
    "dead.steps": "SGD のステップ数",
    "dead.alt": "学習率 {lr} の SGD {steps} ステップの間の死んだユニットの割合：{labels}",
    "dead.final": "最後に死んだ割合",
    "dead.loss": "最後の損失",
    "dead.diverged": "発散したステップ",
    "cost.heading": "1 要素あたりの計算コスト",
    "cost.intro": "このサーバーで今計った f と f′ の 1 要素あたりの時間。定数ではなく計測値です。",
    "cost.n": "要素数",
    "cost.value": "f（ns）",
    "cost.derivative": "f′（ns）",
    "cost.relative": "ReLU との比",
    "cost.bars": "1 要素あたりの f の時間（ReLU との比）",
    "cost.machine": "{n} 要素、{repeats} 回の中央値。numpy {numpy}、{machine}。",
    "table.function": "関数",
    "err.yUlp": "f の誤差は最大 {ulp}",
    "err.dyUlp": "f′ は最大 {ulp}",
    "err.underflow": "f′ が 0 にアンダーフローする点が {count} 個",
    "err.nonfinite": "厳密値は有限なのに inf または nan になる点が {count} 個",
    "err.sentence": "{dtype} と厳密値の比較（この {count} 点）：{parts}。",
    "err.joiner": "、",
    "init.he": "He",
    "init.xavier": "Xavier",
    "init.lecun": "LeCun",
    "init.normal": "正規分布",
  },
};

// The parameters' descriptions in Japanese, by name; the service's English is used for any other.
const PARAM_HELP_JA = {
  negative_slope: "x < 0 での傾き",
  weight: "x < 0 での学習可能な傾き（ここでは共通の 1 つの値）",
  lower: "ランダムな傾きの下限",
  upper: "ランダムな傾きの上限",
  alpha: "x → −∞ で近づく値が −alpha",
  approximate: "'none' は erf による厳密な形、'tanh' は近似",
  beta: "鋭さ：beta が大きいほど ReLU に近い",
  threshold: "この値以下の入力を置き換える",
  min_val: "下側で切り取る値",
  max_val: "上側で切り取る値",
  lambd: "0 に写す区間の半幅",
  value: "置き換える値",
  b: "0 付近の曲がり具合：b → 0 で ReLU",
};

let current = "en";

// The first of the browser's languages that the explorer speaks: Japanese for ja, ja-JP, ...
export function browserLanguage() {
  const list = navigator.languages?.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of list) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  current = LANGUAGES.includes(lang) ? lang : "en";
  document.documentElement.lang = current;
}

// The string `key` in the current language (English when it has none), its {placeholders} filled.
export function t(key, values = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key];
  if (text === undefined) return key;
  if (typeof text === "function") return text(values);
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

export function paramHelp(name, english) {
  return current === "ja" ? PARAM_HELP_JA[name] || english : english;
}

// The page's fixed words: data-i18n="key" sets an element's text, data-i18n-<attribute>="key" an
// attribute (data-i18n-aria-label, data-i18n-placeholder, ...).
export function translatePage(root = document) {
  document.title = t("page.title");
  for (const element of root.querySelectorAll("*")) {
    for (const attribute of element.getAttributeNames()) {
      if (!attribute.startsWith("data-i18n")) continue;
      const key = element.getAttribute(attribute);
      if (attribute === "data-i18n") element.textContent = t(key);
      else element.setAttribute(attribute.slice("data-i18n-".length), t(key));
    }
  }
}

// Both tables name the same keys (checked by the tests through this).
export function keys(lang) {
  return Object.keys(STRINGS[lang]);
}
