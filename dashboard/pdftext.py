"""Text copied from a printed page reads as typed: 用, not the Kangxi radical ⽤.

Noto Sans CJK draws some ideographs and the radicals that look like them with one glyph
(U+7528 用 and U+2F64 ⽤ share a glyph). A PDF maps glyphs back to text through its
fonts' ``ToUnicode`` tables, and Chromium's PDF writer (Skia) picks the lowest code point
of a shared glyph: the radical. The page looks right, but copying, searching and text
extraction get radicals ("⽂明实践", "数据截⾄"); the problem and its cause are described
in https://github.com/BingyanStudio/LapisCV/issues/52 (Chromium + 思源/Noto CJK) and
https://github.com/wkhtmltopdf/wkhtmltopdf/issues/4414 (the reverse-cmap choice).

``readable_text(pdf)`` rewrites each ``ToUnicode`` table so that a radical which shares
its glyph with an ideograph maps to the ideograph. ``RADICALS`` lists those pairs: every
code point of CJK Radicals Supplement and Kangxi Radicals (U+2E80–U+2FDF) that Noto Sans
CJK SC's cmap maps to the glyph of a CJK unified ideograph, with that ideograph (read from
the font with fontTools once; the font is the one the print uses).
"""

from __future__ import annotations

import io
import re

# radical, ideograph, radical, ideograph, …
_PAIRS = (
    "⺂乛⺃乚⺅亻⺇𠘨⺉刂⺋㔾⺍𭕄⺏尣⺐尢⺒巳⺓幺⺔彑⺕彐⺖忄⺘扌⺙攵⺛旡⺞歺⺟母⺠民"
    "⺡氵⺣灬⺤爫⺦丬⺨犭⺩𤣩⺭礻⺮𥫗⺯糹⺰纟⺱罓⺳㓁⺹耂⺺肀⺽𦥑⺾艹⻂衤⻅见⻆角⻇𧢲"
    "⻈讠⻉贝⻊𧾷⻋车⻌辶⻐钅⻑長⻒镸⻓长⻔门⻕𨸏⻖阝⻘青⻙韦⻚页⻛风⻜飞⻝食⻞𩙿⻟飠"
    "⻠饣⻡𩠐⻢马⻣骨⻤鬼⻥鱼⻦鸟⻧卤⻨麦⻩黄⻪黾⻫斉⻬齐⻮齿⻯竜⻰龙⻱龜⻲亀⻳龟⼀一"
    "⼁丨⼂丶⼃丿⼄乙⼅亅⼆二⼇亠⼈人⼉儿⼊入⼋八⼌冂⼍冖⼎冫⼏几⼐凵⼑刀⼒力⼓勹⼔匕"
    "⼕匚⼖匸⼗十⼘卜⼙卩⼚厂⼛厶⼜又⼝口⼞囗⼟土⼠士⼡夂⼢夊⼣夕⼤大⼥女⼦子⼧宀⼨寸"
    "⼩小⼪尢⼫尸⼬屮⼭山⼮巛⼯工⼰己⼱巾⼲干⼳幺⼴广⼵廴⼶廾⼷弋⼸弓⼺彡⼻彳⼼心⼽戈"
    "⼾户⼿手⽀支⽁攴⽂文⽃斗⽄斤⽅方⽆无⽇日⽈曰⽉月⽊木⽋欠⽌止⽍歹⽎殳⽏毋⽐比⽑毛"
    "⽒氏⽓气⽔水⽕火⽖爪⽗父⽘爻⽙爿⽚片⽛牙⽜牛⽝犬⽞玄⽟玉⽠瓜⽡瓦⽢甘⽣生⽤用⽥田"
    "⽦疋⽧疒⽨癶⽩白⽪皮⽫皿⽬目⽭矛⽮矢⽯石⽰示⽱禸⽲禾⽳穴⽴立⽵竹⽶米⽷糸⽸缶⽹网"
    "⽺羊⽻羽⽼老⽽而⽿耳⾀聿⾁肉⾂臣⾃自⾄至⾅臼⾆舌⾇舛⾈舟⾉艮⾊色⾋艸⾌虍⾍虫⾎血"
    "⾏行⾐衣⾑襾⾒見⾔言⾕谷⾖豆⾗豕⾘豸⾙貝⾚赤⾛走⾜足⾝身⾞車⾟辛⾠辰⾡辵⾢邑⾣酉"
    "⾤釆⾥里⾦金⾧長⾨門⾩阜⾪隶⾫隹⾬雨⾭靑⾮非⾯面⾰革⾱韋⾲韭⾳音⾴頁⾵風⾶飛⾷食"
    "⾸首⾹香⾺馬⾼高⾽髟⾾鬥⾿鬯⿀鬲⿁鬼⿂魚⿃鳥⿄鹵⿅鹿⿆麥⿇麻⿈黃⿉黍⿊黑⿋黹⿌黽"
    "⿍鼎⿎鼓⿏鼠⿑齊⿒齒⿓龍⿕龠"
)
RADICALS = dict(zip(_PAIRS[0::2], _PAIRS[1::2], strict=True))

_CHAR = re.compile(r"<([0-9A-Fa-f]+)>\s+<([0-9A-Fa-f]+)>")
_RANGE = re.compile(r"<([0-9A-Fa-f]+)>\s+<([0-9A-Fa-f]+)>\s+<([0-9A-Fa-f]{4})>")


def _hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _fixed(text: str) -> str:
    return "".join(RADICALS.get(ch, ch) for ch in text)


def fix_to_unicode(cmap: str) -> str:
    """A ``ToUnicode`` CMap with every radical in ``RADICALS`` mapped to its ideograph.

    ``bfchar`` entries get the ideograph; a ``bfrange`` running over such a radical is
    written as the array form (``<lo> <hi> [<u1> <u2> …]``), one code point per code.
    """
    out, mode = [], None
    for line in cmap.splitlines():
        stripped = line.strip()
        if stripped.endswith("beginbfchar"):
            mode = "char"
        elif stripped.endswith("beginbfrange"):
            mode = "range"
        elif stripped.startswith("endbf"):
            mode = None
        elif mode == "char" and (m := _CHAR.fullmatch(stripped)):
            text = bytes.fromhex(m[2]).decode("utf-16-be", errors="replace")
            if _fixed(text) != text:
                line = f"<{m[1]}> <{_hex(_fixed(text))}>"
        elif mode == "range" and (m := _RANGE.fullmatch(stripped)):
            low, high, first = int(m[1], 16), int(m[2], 16), int(m[3], 16)
            chars = [chr(first + i) for i in range(high - low + 1)]
            if any(ch in RADICALS for ch in chars):
                items = " ".join(f"<{_hex(_fixed(ch))}>" for ch in chars)
                line = f"<{m[1]}> <{m[2]}> [{items}]"
        out.append(line)
    return "\n".join(out) + ("\n" if cmap.endswith("\n") else "")


def readable_text(pdf: bytes) -> bytes:
    """``pdf`` with its fonts' ``ToUnicode`` tables fixed by ``fix_to_unicode``."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    done: set[int] = set()
    for page in writer.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            table = font.get(NameObject("/ToUnicode"))
            if table is None or id(table.get_object()) in done:
                continue
            stream = table.get_object()
            done.add(id(stream))
            cmap = stream.get_data().decode("latin-1")
            fixed = fix_to_unicode(cmap)
            if fixed != cmap:
                stream.set_data(fixed.encode("latin-1"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
