"""Personal names for the index: the heading a reader looks up, following the Chicago
Manual of Style's conventions for an English-language book (§16.71–16.93).

- Western names invert: "Ryan Gosling" → "Gosling, Ryan".
- Lower-case particles follow the given name, the entry goes under the main family
  name: "Lars von Trier" → "Trier, Lars von"; "Marina de Tavira" → "Tavira, Marina de";
  "Haifaa al-Mansour" → "Mansour, Haifaa al-". A capitalised particle belongs to the
  family name: "Robert De Niro" → "De Niro, Robert".
- Spanish compound surnames go under the first: "Nancy García García" → "García García,
  Nancy" (recognised when the middle word is a common Spanish family name).
- East Asian names written family-first stay as written, no comma: "Lee Je-hoon" under L.
  Decided by people.yaml (`order:`), by the film's country of origin, or by this rule:
  a two- or three-part romanised name whose first word is a common Korean or Chinese
  family name and whose given name is hyphenated or a single syllable ("Lee Je-hoon",
  "Bong Joon Ho", "Lin Wen-hsuan"), or a common Japanese family name followed by a word
  that is not one ("Katori Shingo").
- Icelandic patronymics and matronymics are not family names: "Grímur Hákonarson" and
  "Ingrid Ólafsdóttir" stay as written, under the given name.
- One word is a mononym; a people.yaml `sort_as` always wins.
"""

from __future__ import annotations

import re
import unicodedata

PARTICLES = frozenset({
    "van", "von", "de", "del", "della", "delle", "dei", "degli", "di", "da", "das", "do", "dos",
    "du", "des", "la", "le", "les", "lo", "der", "den", "ter", "ten", "zu", "zum", "zur", "af", "av",
    "y", "e", "al", "el", "bin", "ibn", "ben", "bint", "'t",
})
ARABIC_ARTICLE = re.compile(r"^(al|el|ad|ash|as|at|az|ar|an)-(.+)$")
SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})

KOREAN_FAMILY = frozenset(
    "Kim Lee Yi Rhee Park Pak Choi Choe Jung Jeong Chung Kang Cho Jo Yoon Yun Jang Chang Lim Im "
    "Han Oh Seo Suh Shin Sin Kwon Hwang Ahn An Song Hong Jeon Jun Chun Go Ko Moon Mun Son Sohn "
    "Bae Baek Paik Heo Huh Nam Koo Ku Yoo Yu Ryu Noh Roh Ha Kwak Sung Seong Cha Joo Ju Woo Min "
    "Na Jin Ji Uhm Eom Chae Won Cheon Bang Gong Kong Hyun Byun Byeon Yeo Choo Do Tak Seok Ma Bong "
    "Yeon Hur Kil Gil Pyo Ok Sim Shim Ryoo Seol Yook Yang Maeng Myung Pyun Tae Wang Jeon".split()
)
CHINESE_FAMILY = frozenset(
    "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Zheng "
    "Liang Xie Tang Song Deng Han Feng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye "
    "Cheng Wei Su Lu Ding Ren Yao Shen Zhong Cui Tan Fan Liao Shi Jin Jia Xia Fu Fang Zou Xiong "
    "Bai Meng Qin Qiu Hou Yin Xue Yan Duan Lei Long Shao Wan Qian Tao Hao Kong Mao Gong Chang "
    "Kuo Chan Cheung Wong Leung Lau Ho Chow Ng Tsai Hsu Chiang Hou Hsiao Hsieh Kwan Lai Lam Yip "
    "Tse Fung Tsui Mak Siu Chiu Chu Yeung Tsang Kao Tseng Teng Tu Chung Chao Chuang Yen".split()
)
JAPANESE_FAMILY = frozenset(
    "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida Yamada "
    "Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu Yamazaki Mori Abe Ikeda Hashimoto "
    "Ishikawa Ogawa Okada Goto Hasegawa Murakami Kondo Ishii Saito Sakamoto Endo Aoki Fujii "
    "Nishimura Fukuda Ota Miura Fujiwara Okamoto Matsuda Nakagawa Nakano Harada Ono Tamura "
    "Takeuchi Kaneko Wada Nakayama Ishida Ueda Morita Shibata Sakai Kudo Yokoyama "
    "Miyazaki Miyamoto Uchida Takagi Ando Taniguchi Ohno Maruyama Imai Takada Fujita Murata "
    "Kurosawa Mifune Ozu Mizoguchi Katori Kitano Kore-eda Koreeda Hamaguchi Kurosaki Oshima "
    "Ōshima Kiyohara Hirose Yakusho Fukuyama Matsuoka Yoshimura".split()
)
SPANISH_FAMILY = frozenset(
    "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz "
    "Hernández Díaz Moreno Álvarez Muñoz Romero Alonso Gutiérrez Navarro Torres Domínguez "
    "Vázquez Ramos Gil Ramírez Serrano Blanco Suárez Molina Morales Ortega Delgado Castro Ortiz "
    "Rubio Marín Sanz Iglesias Núñez Medina Garrido Cortés Castillo Santos Lozano Cano Prieto "
    "Méndez Cruz Calvo Gallego Vidal León Herrera Márquez Peña Flores Cabrera Campos Vega "
    "Fuentes Carrasco Díez Reyes Caballero Nieto Aguilar Pascual Santana Herrero Lorenzo "
    "Montero Hidalgo Giménez Ibáñez Ferrer Durán Benítez Mora Vargas Arias Carmona Crespo "
    "Román Pastor Soto Sáez Velasco Moya Soler Parra Bravo Gallardo Rojas Cuarón Iñárritu".split()
)
EAST_ASIAN_COUNTRIES = frozenset({
    "korea", "south korea", "north korea", "republic of korea", "china", "taiwan", "hong kong",
    "japan", "vietnam", "viet nam", "singapore", "macau", "macao",
})
_ICELANDIC = re.compile(r"(son|sson|dóttir|dottir|dóttur)$")
_SYLLABLE = re.compile(r"^[A-Z][a-z]{1,5}$")


def fold(text: str) -> str:
    """Diacritics and case removed: for comparing spellings, never for display."""
    if text.isascii():  # nothing to decompose or translate (the index folds some 15,000 strings a build)
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base.translate(_FOLD_TABLE).casefold()


_FOLD_TABLE = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d",
                             "Ð": "D", "þ": "th", "Þ": "Th", "æ": "ae", "Æ": "Ae", "œ": "oe",
                             "Œ": "Oe", "ß": "ss", "ı": "i"})


def normalise_caps(name: str) -> str:
    """'PARK Yong-woo' → 'Park Yong-woo': capitals used to mark the family name."""
    words = name.split()
    if len(words) > 1 and any(w.islower() or not w.isupper() for w in words):
        words = [w.capitalize() if w.isupper() and len(w) > 1 and w.isalpha() else w for w in words]
    return " ".join(words)


def _title_key(word: str) -> str:
    return fold(word).capitalize()


def looks_family_first(name: str, country: str = "") -> bool:
    """The documented heuristic for romanised East Asian names (see the module docstring)."""
    words = name.split()
    if len(words) not in (2, 3) or any(not w[:1].isupper() for w in words):
        return False
    first, given = _title_key(words[0]), words[1:]
    in_east_asia = fold(country) in EAST_ASIAN_COUNTRIES
    if first in KOREAN_FAMILY or first in CHINESE_FAMILY:
        hyphenated = len(given) == 1 and "-" in given[0]
        syllables = all(_SYLLABLE.match(g) for g in given) and len(given) <= 2
        if hyphenated or (syllables and (len(given) == 2 or in_east_asia or first in CHINESE_FAMILY)):
            # "Chan-wook Park" has its hyphen first: given-first, handled by the caller.
            return "-" not in words[0]
    if first in JAPANESE_FAMILY and len(words) == 2:
        return _title_key(words[1]) not in JAPANESE_FAMILY
    return False


def heading(name: str, *, order: str = "", sort_as: str = "", country: str = "") -> str:
    """The index heading for a person: 'Family, Given', or the name as written."""
    if sort_as:
        return sort_as
    words = name.split()
    if len(words) < 2:
        return name
    if order == "family-first" or (not order and looks_family_first(name, country)):
        return name
    if order != "given-first" and _ICELANDIC.search(words[-1]) and len(words) <= 3:
        return name
    suffix = ""
    if words[-1] in SUFFIXES and len(words) > 2:
        suffix = ", " + words.pop()
    # Family name: the last word, pulled back over lower-case particles and a Spanish
    # compound ("García García"); the particles go after the given name.
    cut = len(words) - 1
    if cut >= 2 and words[cut - 1] in SPANISH_FAMILY:
        cut -= 1
    particles: list[str] = []
    while cut - 1 >= 1 and words[cut - 1] in PARTICLES:
        cut -= 1
        particles.insert(0, words[cut])
    # A capitalised particle is part of the family name: "De Niro, Robert", "Van Sant, Gus".
    while not particles and cut - 1 >= 1 and words[cut - 1].lower() in PARTICLES and words[cut - 1][:1].isupper():
        cut -= 1
    family = " ".join(words[cut + len(particles):]) if particles else " ".join(words[cut:])
    given = " ".join(words[:cut])
    m = ARABIC_ARTICLE.match(family)
    if m and not particles:
        family, particles = m.group(2), [m.group(1) + "-"]
    tail = (" " + " ".join(particles)) if particles else ""
    if tail.endswith("- "):
        tail = tail.rstrip()
    return f"{family}, {given}{tail}{suffix}"
