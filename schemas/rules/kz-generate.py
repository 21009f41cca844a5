#!/usr/bin/env python3
"""Writes kz-sp-3.06-101-2012.json, the rule set of СП РК 3.06-101-2012*
(consolidated edition to 27.11.2019), from the clause-by-clause text in
shared/reference/norms-kz.md.

Every rule quotes the norm's sentence it implements; this script checks
that each quote is in norms-kz.md character for character (when that file
is at hand), so a rule cannot cite words the norm does not have. Clause
numbers the text layer does not print are marked `clause_inferred`.
Recommendations ("рекомендуется") are advisory rules: listed, never
changing a status. Where the norm is ambiguous or contradicts itself, the
rule takes the reading that protects the person using the building and
says so in its `note`. Run it after editing; review the diff.
"""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
NORM = os.path.join(HERE, "..", "..", "..", "shared", "reference", "norms-kz.md")
DOC, EDITION = "СП РК 3.06-101-2012*", "27.11.2019"

def L(ru, kk, en):
    return {"ru": ru, "kk": kk, "en": en}

B, A = "blocks", "needs_assistance"
RULES = []

def R(rid, element, q, op, value, required, affects, clause, quote, title, fix, severity="major",
      inferred=False, when=(), unless=(), served_by=(), advisory=False, note="", reads=None):
    def cond(c):
        d = {"quantity": c[0], "op": c[1], "value": c[2]}
        if c[0] in ("cramped_site", "reconstruction", "existing_development"):
            d["otherwise"] = False  # an exception is claimed only where recorded
        return d
    reads = reads or sorted({q} | {c[0] for c in when} | {c[0] for c in unless})
    unit = "mm" if q.endswith("_mm") else "permille" if q.endswith("_permille") else "count"
    if value in (0, 1) and op == "==":
        unit = "flag"
    r = {"id": f"kz-{clause}-{rid}", "element": element, "reads": reads,
         "when": [cond(c) for c in when], "unless": [cond(c) for c in unless],
         "unless_served_by": list(served_by),
         "check": {"quantity": q, "op": op, "value": value, "unit": unit, "required": required},
         "affects": affects, "severity": severity,
         "source": {"document": DOC, "edition": EDITION, "clause": clause, "clause_inferred": inferred, "quote": quote},
         "fix": fix, "title": title, "advisory": advisory, "note": note}
    RULES.append(r)

def RANGE(rid, element, q, low, high, affects, clause, quote, title_low, title_high, fix, names=("low", "high"), **kw):
    """A range of one clause as two rules (`rid-low` and `rid-high`, or the
    `names` given): the value at least `low`, at most `high` — each a
    (limit as printed, requirement as shown) pair."""
    R(f"{rid}-{names[0]}", element, q, ">=", low[0], low[1], affects, clause, quote, title_low, fix, **kw)
    R(f"{rid}-{names[1]}", element, q, "<=", high[0], high[1], affects, clause, quote, title_high, fix, **kw)

YES = 1
# ---- 1.1 Approach paths, kerb ramps -------------------------------------
Q13 = "Ширина пешеходной дорожки с учетом встречного движения лиц, передвигающихся на кресло-колясках, должна быть не менее 2,0 м. В условиях сложившейся застройки допускается в пределах прямой видимости снижать ширину пути движения до 1,2 м."
R("path-width", "approach_path", "width_mm", ">=", "2,0 m", "≥ 2,0 м", {"K": A}, "4.3.1.13", Q13,
  L("Ширина пешеходного пути", "Жаяу жол ені", "Footpath width"),
  L("Расширить путь до 2,0 м или устроить карманы для разъезда.", "Жолды 2,0 м-ге дейін кеңейту немесе айналып өтетін қалталар жасау.", "Widen the path to 2.0 m or add passing places."),
  inferred=True, unless=[("existing_development", "==", 1)])
R("path-width-existing", "approach_path", "width_mm", ">=", "1,2 m", "≥ 1,2 м (сложившаяся застройка)", {"K": B}, "4.3.1.13", Q13,
  L("Ширина пути в сложившейся застройке", "Қалыптасқан құрылыстағы жол ені", "Path width in an existing built-up area"),
  L("Расширить путь хотя бы до 1,2 м.", "Жолды кемінде 1,2 м-ге дейін кеңейту.", "Widen the path to at least 1.2 m."),
  inferred=True, severity="critical",
  note="The 1.2 m minimum holds everywhere: it is the least the norm allows even in existing built-up areas.")
Q13b = "Продольный уклон путей движения, по которому возможен проезд лиц, передвигающихся на кресло-колясках, не должен превышать 5%, поперечный - 2%"
R("path-slope", "approach_path", "slope_permille", "<=", "5 %", "≤ 5 %", {"K": A, "O": A}, "4.3.1.13", Q13b,
  L("Продольный уклон пути", "Жолдың бойлық еңісі", "Path running slope"),
  L("Уменьшить уклон пути до 5 %.", "Жол еңісін 5 %-ға дейін азайту.", "Reduce the path's slope to 5 %."), inferred=True)
R("path-cross-slope", "approach_path", "cross_slope_permille", "<=", "2 %", "≤ 2 %", {"K": A}, "4.3.1.13", Q13b,
  L("Поперечный уклон пути", "Жолдың көлденең еңісі", "Path cross slope"),
  L("Выровнять поперечный уклон до 2 %.", "Көлденең еңісті 2 %-ға дейін түзету.", "Level the cross slope to 2 %."), inferred=True)
Q10 = "Покрытие из бетонных плит должно иметь толщину швов между плитами не более 0,015 м. Покрытие из рыхлых материалов, в том числе песка и гравия, не допускается."
R("joints", "approach_path", "joint_width_mm", "<=", "0,015 m", "≤ 0,015 м", {"K": A, "O": A, "S": A}, "4.3.1.10", Q10,
  L("Швы между плитами покрытия", "Жабын плиталары арасындағы жіктер", "Joints between paving slabs"),
  L("Заделать швы шире 15 мм.", "15 мм-ден кең жіктерді бітеу.", "Fill joints wider than 15 mm."))
R("surface", "approach_path", "surface_even", "==", YES, "твёрдое, ровное, без зазоров", {"K": A, "O": A}, "4.3.1.10",
  "Покрытие пешеходных дорожек, тротуаров и пандусов должно быть из твердых материалов, ровным, шероховатым, без зазоров.",
  L("Покрытие твёрдое и ровное", "Жабын қатты әрі тегіс", "Hard, even surface"),
  L("Заменить рыхлое или неровное покрытие твёрдым ровным.", "Борпылдақ не тегіс емес жабынды қатты тегіс жабынмен ауыстыру.", "Replace a loose or uneven surface with a hard, even one."))
Q19 = "Перепад высот в местах съезда на проезжую часть не должен превышать 0,015 м."
R("kerb-lip", "approach_path", "kerb_height_mm", "<=", "0,015 m", "≤ 0,015 м", {"K": B, "O": A}, "4.3.1.19", Q19,
  L("Перепад на съезде на проезжую часть", "Жүріс бөлігіне түсудегі биіктік айырмасы", "Lip at the kerb ramp"),
  L("Срезать перепад у съезда до 15 мм.", "Түсудегі айырманы 15 мм-ге дейін азайту.", "Cut the lip at the kerb ramp to 15 mm."), severity="critical",
  when=[("has_kerb_ramp", "==", 1)])
Q14 = "При устройстве съездов с тротуара на транспортный проезд продольный уклон должен быть не более 1:20 (5%) около здания и в затесненных местах допускается уклон до 1:12 (8%) на протяжении не более 8 м"
N14 = "The norm prints the cramped-site limit as 1:12 (8%); 1:12 is 8.33 %, so the stricter 8 % is encoded."
R("kerb-ramp-slope", "approach_path", "kerb_ramp_slope_permille", "<=", "1:20", "≤ 1:20 (5 %)", {"K": A}, "4.3.1.14", Q14,
  L("Уклон съезда с тротуара", "Тротуардан түсу еңісі", "Kerb ramp slope"),
  L("Уменьшить уклон съезда до 1:20.", "Түсу еңісін 1:20-ға дейін азайту.", "Reduce the kerb ramp's slope to 1:20."),
  inferred=True, unless=[("cramped_site", "==", 1)], when=[("has_kerb_ramp", "==", 1)])
R("kerb-ramp-slope-cramped", "approach_path", "kerb_ramp_slope_permille", "<=", "8 %", "≤ 8 % (затеснённое место)", {"K": A}, "4.3.1.14", Q14,
  L("Уклон съезда в затеснённом месте", "Тар жердегі түсу еңісі", "Kerb ramp slope on a cramped site"),
  L("Уменьшить уклон съезда до 8 %.", "Түсу еңісін 8 %-ға дейін азайту.", "Reduce the kerb ramp's slope to 8 %."),
  inferred=True, when=[("has_kerb_ramp", "==", 1), ("cramped_site", "==", 1)], note=N14)
R("kerb-ramp-width", "approach_path", "kerb_ramp_width_mm", ">=", "1,5 m", "≥ 1,5 м (рекомендуется)", {"K": A}, "4.3.1.20",
  "Бордюрные пандусы рекомендуется проектировать шириной не менее 1,5 м",
  L("Ширина бордюрного пандуса", "Жиектас пандусының ені", "Kerb ramp width"),
  L("Расширить бордюрный пандус до 1,5 м.", "Жиектас пандусын 1,5 м-ге дейін кеңейту.", "Widen the kerb ramp to 1.5 m."),
  inferred=True, advisory=True, severity="minor", when=[("has_kerb_ramp", "==", 1)])
R("edge-kerb", "approach_path", "edge_kerb_height_mm", ">=", "0,05 m", "≥ 0,05 м (рекомендуется)", {"S": A}, "4.3.1.18",
  "Высоту бордюров по краям пешеходных путей на территории рекомендуется принимать не менее 0,05 м.",
  L("Бортик по краю пути", "Жол жиегіндегі жиектас", "Edge kerb along the path"),
  L("Устроить бортик не ниже 5 см по краям пути.", "Жол жиегіне кемінде 5 см жиектас орнату.", "Add an edge kerb of at least 5 cm."), advisory=True, severity="minor")
R("headroom", "approach_path", "headroom_mm", ">=", "2 m", "≥ 2 м (рекомендуется)", {"S": A}, "4.3.1.15",
  "навесные знаки устанавливать на высоте не менее 2 м, как показано на рисунке 3; - обрезать нависающую растительность на высоте не менее 2 м",
  L("Свободная высота над путём", "Жол үстіндегі бос биіктік", "Headroom over the path"),
  L("Поднять знаки и обрезать ветви до 2 м.", "Белгілерді көтеріп, бұтақтарды 2 м-ге дейін кесу.", "Raise signs and cut branches to 2 m."), advisory=True, severity="minor")
# ---- 1.2 Parking ----------------------------------------------------------
Q6 = "- одно место, если количество парковочных мест составляет до 10 включительно; - не менее 10 %, если количество парковочных мест составляет более 10."
R("parking-count", "parking", "accessible_spaces_shortfall", "<=", 0, "1 место до 10, иначе ≥ 10 %", {"K": A}, "4.3.1.6", Q6,
  L("Число мест для инвалидов", "Мүгедектерге арналған орындар саны", "Number of accessible spaces"),
  L("Выделить и разметить недостающие места для инвалидов.", "Жетіспейтін орындарды бөліп, белгілеу.", "Mark the missing accessible spaces."),
  reads=["accessible_spaces", "total_spaces"],
  note="A fraction of 0.5 or more is rounded up (the clause's note); 15 spaces need 2.")
Q6b = "Парковочные места, предназначенные для транспортных средств с опознавательными знаками «Инвалид», проектируются не менее: - шириной 3,66 м; - длиной 5,38 м."
R("parking-width", "parking", "space_width_mm", ">=", "3,66 m", "≥ 3,66 м", {"K": A}, "4.3.1.6", Q6b,
  L("Ширина места для инвалидов", "Мүгедек орнының ені", "Accessible space width"),
  L("Разметить место шириной 3,66 м.", "Енi 3,66 м орын белгілеу.", "Mark the space 3.66 m wide."))
R("parking-length", "parking", "space_length_mm", ">=", "5,38 m", "≥ 5,38 м", {"K": A}, "4.3.1.6", Q6b,
  L("Длина места для инвалидов", "Мүгедек орнының ұзындығы", "Accessible space length"),
  L("Разметить место длиной 5,38 м.", "Ұзындығы 5,38 м орын белгілеу.", "Mark the space 5.38 m long."))
Q9 = "Доступные парковочные места должны быть с пешеходным проходом от 1,2 м."
R("parking-aisle", "parking", "aisle_width_mm", ">=", "1,2 m", "≥ 1,2 м", {"K": A}, "4.3.1.9", Q9,
  L("Проход у места для инвалидов", "Мүгедек орны жанындағы өтпе", "Access aisle"),
  L("Разметить проход шириной 1,2 м.", "Ені 1,2 м өтпе белгілеу.", "Mark an access aisle 1.2 m wide."), inferred=True)
R("parking-sign", "parking", "signed", "==", YES, "символ доступности", {"K": A}, "4.3.1.9",
  "Все парковочные места, предназначенные для транспортных средств с опознавательными знаками «Инвалид», должны отмечаться международными символами доступности.",
  L("Знак и разметка места", "Орынның белгісі мен таңбасы", "Sign and marking of the space"),
  L("Нанести международный символ доступности.", "Халықаралық қолжетімділік белгісін салу.", "Mark the international symbol of access."), inferred=True, severity="minor")
# ---- 1.3 Entrance, tambour, doors ----------------------------------------
Q2 = "Размеры входной площадки с пандусом должны быть не менее 2,2 м × 2,2 м. Поверхность покрытий входных площадок и тамбуров должна иметь поперечный уклон в пределах 1 % - 2 %."
N2 = "Applied to every entrance platform: the stricter reading (a platform without a ramp is where one would be added)."
R("platform-width", "entrance", "platform_width_mm", ">=", "2,2 m", "≥ 2,2 м", {"K": A}, "4.3.2.2", Q2,
  L("Ширина входной площадки", "Кіреберіс алаңының ені", "Entrance platform width"),
  L("Расширить входную площадку до 2,2 м.", "Кіреберіс алаңын 2,2 м-ге дейін кеңейту.", "Widen the entrance platform to 2.2 m."), note=N2)
R("platform-depth", "entrance", "platform_depth_mm", ">=", "2,2 m", "≥ 2,2 м", {"K": A}, "4.3.2.2", Q2,
  L("Глубина входной площадки", "Кіреберіс алаңының тереңдігі", "Entrance platform depth"),
  L("Увеличить глубину площадки до 2,2 м.", "Алаң тереңдігін 2,2 м-ге дейін ұлғайту.", "Deepen the entrance platform to 2.2 m."), note=N2)
R("platform-cross-slope-max", "entrance", "platform_cross_slope_permille", "<=", "2 %", "≤ 2 %", {"K": A}, "4.3.2.2", Q2,
  L("Поперечный уклон площадки: не более 2 %", "Алаңның көлденең еңісі: 2 %-дан аспауы", "Platform cross slope: at most 2 %"),
  L("Выровнять уклон площадки до 1–2 %.", "Алаң еңісін 1–2 %-ға дейін түзету.", "Level the platform to 1–2 %."))
R("platform-cross-slope-min", "entrance", "platform_cross_slope_permille", ">=", "1 %", "≥ 1 %", {"O": A}, "4.3.2.2", Q2,
  L("Поперечный уклон площадки: не менее 1 % (водоотвод)", "Алаңның көлденең еңісі: кемінде 1 % (су ағызу)", "Platform cross slope: at least 1 % (drainage)"),
  L("Дать площадке уклон 1–2 % для стока воды.", "Су ағуы үшін алаңға 1–2 % еңіс беру.", "Give the platform a 1–2 % fall for drainage."), severity="minor",
  note="Water and ice on a level platform endanger people with limited mobility.")
Q5 = "Высота каждого уровня порога входной наружной двери в здание не должна превышать 0,014 м"
R("entrance-step", "entrance", "step_height_mm", "<=", "0,014 m", "≤ 0,014 м, иначе пандус или подъёмник", {"K": B, "O": A}, "4.3.2.5", Q5,
  L("Перепад высот у входа", "Кіреберістегі биіктік айырмасы", "Level change at the entrance"),
  L("Устроить пандус или подъёмник, обслуживающий этот вход.", "Осы кіреберісте пандус немесе көтергіш орнату.", "Add a ramp or lift serving this entrance."),
  inferred=True, severity="critical", when=[("has_step", "==", 1)], served_by=["ramp", "lift"],
  note="A step higher than the 14 mm a threshold may have is a barrier unless a ramp or lift serves this entrance (4.3.2.31 forbids single steps).")
Q16 = "Глубина тамбуров и тамбуров-шлюзов при прямом движении и одностороннем открывании дверей должна быть не менее 2,3 м при ширине не менее 1,5 м."
R("tambour-depth", "entrance", "tambour_depth_mm", ">=", "2,3 m", "≥ 2,3 м", {"K": A}, "4.3.2.16", Q16,
  L("Глубина тамбура", "Тамбур тереңдігі", "Vestibule depth"),
  L("Увеличить глубину тамбура до 2,3 м.", "Тамбур тереңдігін 2,3 м-ге дейін ұлғайту.", "Deepen the vestibule to 2.3 m."), unless=[("reconstruction", "==", 1)],
  when=[("has_tambour", "==", 1)])
R("tambour-width", "entrance", "tambour_width_mm", ">=", "1,5 m", "≥ 1,5 м", {"K": B}, "4.3.2.16", Q16,
  L("Ширина тамбура", "Тамбур ені", "Vestibule width"),
  L("Расширить тамбур до 1,5 м.", "Тамбурды 1,5 м-ге дейін кеңейту.", "Widen the vestibule to 1.5 m."), when=[("has_tambour", "==", 1)])
Q15 = "При глубине тамбура менее 1,8 м до 1,5 м (при реконструкции) его ширина должна быть не менее 2 м."
R("tambour-reconstruction-depth", "entrance", "tambour_depth_mm", ">=", "1,5 m", "≥ 1,5 м (реконструкция)", {"K": B}, "4.3.2.15", Q15,
  L("Глубина тамбура при реконструкции", "Қайта жаңартудағы тамбур тереңдігі", "Vestibule depth in a reconstruction"),
  L("Увеличить глубину тамбура хотя бы до 1,5 м.", "Тамбур тереңдігін кемінде 1,5 м-ге дейін ұлғайту.", "Deepen the vestibule to at least 1.5 m."), when=[("has_tambour", "==", 1), ("reconstruction", "==", 1)])
R("tambour-reconstruction-width", "entrance", "tambour_width_mm", ">=", "2 m", "≥ 2 м при глубине < 1,8 м", {"K": A}, "4.3.2.15", Q15,
  L("Ширина короткого тамбура при реконструкции", "Қысқа тамбурдың ені (қайта жаңарту)", "Width of a short vestibule in a reconstruction"),
  L("Расширить тамбур до 2 м.", "Тамбурды 2 м-ге дейін кеңейту.", "Widen the vestibule to 2 m."),
  when=[("has_tambour", "==", 1), ("reconstruction", "==", 1), ("tambour_depth_mm", "<", "1,8 m")])
R("grating", "entrance", "grating_gap_mm", "<=", "0,013 m", "≤ 0,013 м", {"K": A, "O": A, "S": A}, "4.3.2.16",
  "Ширина просветов их ячеек не должна превышать 0,013 м, а длина 0,015 м.",
  L("Просветы решёток", "Тор саңылаулары", "Grating openings"),
  L("Заменить решётку на решётку с ячейками до 13 мм.", "Торды ұяшығы 13 мм-ге дейінгі тормен ауыстыру.", "Replace the grating with one of openings up to 13 mm."),
  when=[("has_grating", "==", 1)], note="The grating sentences follow a page footer in the extract and may belong to 4.3.2.17; cited as 4.3.2.16 where the extract places them.")
R("turnstile", "entrance", "turnstile_width_mm", ">=", "1,2 m", "≥ 1,2 м", {"K": B}, "4.3.2.9",
  "При наличии контроля на входе следует применять контрольно-пропускные устройства и турникеты шириной в свету не менее 1,2 м",
  L("Ширина турникета", "Турникет ені", "Turnstile width"),
  L("Установить проход шириной 1,2 м для кресла-коляски.", "Арбаға арналған ені 1,2 м өткел орнату.", "Provide a 1.2 m wide gate for wheelchairs."), inferred=True, severity="critical",
  when=[("has_turnstile", "==", 1)])
R("door-width", "door", "clear_width_mm", ">=", "0,9 m", "≥ 0,9 м", {"K": B}, "4.3.2.14",
  "Ширина двери в помещении должна быть не менее 0,9 м.",
  L("Ширина двери", "Есік ені", "Door width"),
  L("Расширить дверной проём до 0,9 м.", "Есік ойығын 0,9 м-ге дейін кеңейту.", "Widen the doorway to 0.9 m."), severity="critical",
  note="4.3.2.4 sets the same 0.9 m for entrance doors; measured as the clear width, the stricter reading.")
R("threshold", "door", "threshold_mm", "<=", "0,014 m", "≤ 0,014 м", {"K": A, "O": A}, "4.3.16.18",
  "Двери в помещения на путях движения не должны иметь порогов, а при необходимости их устройства, в соответствии с заданием на проектирование высота каждого уровня порога не должна превышать 0,014 м.",
  L("Высота порога", "Табалдырық биіктігі", "Threshold height"),
  L("Убрать порог или снизить до 14 мм со скосом.", "Табалдырықты алу немесе 14 мм-ге дейін төмендету.", "Remove the threshold or lower it to 14 mm, bevelled."))
Q11 = "На прозрачных полотнах дверей следует предусматривать яркую контрастную маркировку высотой не менее 0,1 м и шириной не менее 0,2 м, расположенную на уровне не ниже 1,2 м и не выше 1,5 м от поверхности пешеходного пути."
R("glass-marking", "door", "glass_marked", "==", YES, "контрастная маркировка", {"S": A}, "4.3.2.11", Q11,
  L("Маркировка прозрачной двери", "Мөлдір есіктің белгісі", "Marking on a glass door"),
  L("Нанести яркую контрастную маркировку на стекло.", "Шыныға жарқын контрастты белгі салу.", "Apply a bright contrasting marking to the glass."), when=[("glazed", "==", 1)])
RANGE("glass-marking", "door", "marking_height_mm", ("1,2 m", "≥ 1,2 м"), ("1,5 m", "≤ 1,5 м"), {"S": A}, "4.3.2.11", Q11,
  L("Маркировка на стекле не ниже 1,2 м", "Шыныдағы белгі 1,2 м-ден төмен емес", "Glass marking not below 1.2 m"),
  L("Маркировка на стекле не выше 1,5 м", "Шыныдағы белгі 1,5 м-ден жоғары емес", "Glass marking not above 1.5 m"),
  L("Перенести маркировку на высоту 1,2–1,5 м.", "Белгіні 1,2–1,5 м биіктікке көшіру.", "Move the marking to 1.2–1.5 m."), when=[("glazed", "==", 1)])
R("door-hold-open", "door", "hold_open_s", ">=", 5, "≥ 5 с", {"K": A, "O": A}, "4.3.2.8",
  "Также следует применять двери, обеспечивающие задержку автоматического закрывания дверей, продолжительностью не менее 5 секунд.",
  L("Задержка закрывания двери", "Есіктің жабылу кідірісі", "Door hold-open time"),
  L("Настроить доводчик на задержку не менее 5 секунд.", "Жапқышты кемінде 5 секунд кідіріске баптау.", "Set the closer to hold at least 5 seconds."), when=[("automatic", "==", 1)])
Q35 = "Ручки дверей, рычаги, краны, кнопки и т.д. должны располагаться на высоте от 0,8 м до 1 м."
RANGE("handle", "door", "handle_height_mm", ("0,8 m", "≥ 0,8 м"), ("1 m", "≤ 1 м"), {"K": A}, "4.3.3.5", Q35,
  L("Ручка двери не ниже 0,8 м", "Есік тұтқасы 0,8 м-ден төмен емес", "Door handle not below 0.8 m"),
  L("Ручка двери не выше 1,0 м", "Есік тұтқасы 1,0 м-ден жоғары емес", "Door handle not above 1.0 m"),
  L("Перенести ручку на высоту 0,8–1,0 м.", "Тұтқаны 0,8–1,0 м биіктікке көшіру.", "Move the handle to 0.8–1.0 m."))
Q13d = "Глубина пространства для маневрирования кресло-коляски перед дверью при открывании «от себя» должна быть не менее 1,2 м, а при открывании «к себе» - не менее 1,5 м при ширине не менее 1,5 м"
R("door-space-push", "door", "space_depth_mm", ">=", "1,2 m", "≥ 1,2 м («от себя»)", {"K": A}, "4.3.2.13", Q13d,
  L("Площадка перед дверью «от себя»", "«Өзінен» ашылатын есік алдындағы алаң", "Space before a push door"),
  L("Освободить перед дверью площадку глубиной 1,2 м.", "Есік алдында тереңдігі 1,2 м алаң босату.", "Clear a space 1.2 m deep before the door."), inferred=True)
R("door-space-pull", "door", "space_depth_mm", ">=", "1,5 m", "≥ 1,5 м («к себе»)", {"K": A}, "4.3.2.13", Q13d,
  L("Площадка перед дверью «к себе»", "«Өзіне» ашылатын есік алдындағы алаң", "Space before a pull door"),
  L("Освободить перед дверью площадку глубиной 1,5 м.", "Есік алдында тереңдігі 1,5 м алаң босату.", "Clear a space 1.5 m deep before the door."), inferred=True, when=[("opens_towards_user", "==", 1)])
R("door-space-width", "door", "space_width_mm", ">=", "1,5 m", "≥ 1,5 м", {"K": A}, "4.3.2.13", Q13d,
  L("Ширина площадки перед дверью", "Есік алдындағы алаң ені", "Width of the space before the door"),
  L("Освободить площадку шириной 1,5 м.", "Ені 1,5 м алаң босату.", "Clear a space 1.5 m wide."), inferred=True,
  note="Whether 'при ширине не менее 1,5 м' applies to the pull case only or to both is ambiguous: applied to both (stricter).")
# ---- 1.4 Ramps ------------------------------------------------------------
Q30 = "Продольный уклон пандуса не должен превышать 5 %, (1:20). В исключительных случаях в затесненных местах максимальная высота подъема (марша) не должна превышать 0,8 м при уклоне не более 8% (1:12)"
R("ramp-slope", "ramp", "slope_permille", "<=", "5 %", "≤ 5 % (1:20)", {"K": B, "O": A}, "4.3.2.30", Q30,
  L("Продольный уклон пандуса", "Пандустың бойлық еңісі", "Ramp running slope"),
  L("Уменьшить уклон пандуса до 5 %: удлинить марш.", "Пандус еңісін 5 %-ға дейін азайту: маршты ұзарту.", "Reduce the ramp's slope to 5 %: lengthen the run."),
  inferred=True, severity="critical", reads=["rise_mm", "run_mm", "slope_permille", "cramped_site"], unless=[("cramped_site", "==", 1)],
  note="The 8 % exception needs the site recorded as cramped; an unrecorded site is judged at 5 %.")
R("ramp-slope-cramped", "ramp", "slope_permille", "<=", "8 %", "≤ 8 % (затеснённое место)", {"K": B, "O": A}, "4.3.2.30", Q30,
  L("Уклон пандуса в затеснённом месте", "Тар жердегі пандус еңісі", "Ramp slope on a cramped site"),
  L("Уменьшить уклон до 8 %.", "Еңісті 8 %-ға дейін азайту.", "Reduce the slope to 8 %."),
  inferred=True, severity="critical", reads=["rise_mm", "run_mm", "slope_permille", "cramped_site"], when=[("cramped_site", "==", 1)],
  note="Printed as 8% (1:12); 1:12 is 8.33 %, so the stricter 8 % is encoded.")
R("ramp-rise-cramped", "ramp", "rise_mm", "<=", "0,8 m", "≤ 0,8 м (затеснённое место)", {"K": B}, "4.3.2.30", Q30,
  L("Высота подъёма марша в затеснённом месте", "Тар жердегі марштың көтерілу биіктігі", "Rise of a flight on a cramped site"),
  L("Разбить подъём на марши до 0,8 м или установить подъёмник.", "Көтерілуді 0,8 м-ге дейінгі маршқа бөлу немесе көтергіш орнату.", "Split the rise into flights of up to 0.8 m or install a lift."),
  inferred=True, when=[("cramped_site", "==", 1)])
R("ramp-total-rise", "ramp", "rise_mm", "<", "0,8 m", "< 0,8 м, иначе подъёмник", {"K": A}, "4.3.2.20",
  "При высоте подъема 0,8 м и более пандус следует заменять подъемными устройствами.",
  L("Высота подъёма пандуса", "Пандустың көтерілу биіктігі", "Ramp rise"),
  L("Заменить пандус подъёмным устройством.", "Пандусты көтергіш құрылғымен ауыстыру.", "Replace the ramp with a lift."), inferred=True)
Q21 = "Через каждые 8,0-9,0 м длины марша пандуса должна быть устроена горизонтальная площадка."
R("ramp-flight-length", "ramp", "run_mm", "<=", "8,0 m", "≤ 8,0 м между площадками", {"K": A, "O": A}, "4.3.2.21", Q21,
  L("Длина марша между площадками", "Алаңдар арасындағы марш ұзындығы", "Flight length between landings"),
  L("Устроить промежуточную площадку.", "Аралық алаң жасау.", "Add an intermediate landing."), inferred=True,
  note="'Every 8.0–9.0 m' is read as at most 8.0 m (stricter).")
R("ramp-landing", "ramp", "landing_length_mm", ">=", "1,5 m", "≥ 1,5 м", {"K": A}, "4.3.2.21",
  "Площадка на горизонтальном участке пандуса при прямом пути движения или на повороте должна иметь размер не менее 1,5 м по ходу движения",
  L("Длина промежуточной площадки", "Аралық алаң ұзындығы", "Intermediate landing length"),
  L("Удлинить площадку до 1,5 м.", "Алаңды 1,5 м-ге дейін ұзарту.", "Lengthen the landing to 1.5 m."), inferred=True,
  when=[("run_mm", ">", "8,0 m")], note="An intermediate landing is needed only on a flight longer than 8.0 m (4.3.2.21).")
R("ramp-end-landing", "ramp", "end_landing_depth_mm", ">=", "1,5 m", "≥ 1,5 м", {"K": A}, "4.3.2.21",
  "В начале и в конце каждого уровня пандусы должны иметь площадку с минимальными размерами 1,2 м ×1,5 м",
  L("Площадки вверху и внизу пандуса", "Пандустың жоғарғы және төменгі алаңдары", "Landings at the top and bottom"),
  L("Устроить площадки 1,5 × 1,5 м вверху и внизу.", "Жоғарыда және төменде 1,5 × 1,5 м алаң жасау.", "Provide 1.5 × 1.5 m landings at the top and bottom."), inferred=True,
  note="Which side of 1.2 × 1.5 m runs along the travel is not stated: the depth is taken as 1.5 m (stricter).")
R("ramp-width", "ramp", "width_mm", ">=", "1,2 m", "≥ 1,2 м", {"K": B}, "4.3.2.22", "Ширина пандусов должна быть не менее 1,2 м.",
  L("Ширина пандуса", "Пандус ені", "Ramp width"),
  L("Расширить пандус до 1,2 м.", "Пандусты 1,2 м-ге дейін кеңейту.", "Widen the ramp to 1.2 m."), severity="critical",
  note="Measured clear between handrails (stricter).")
R("ramp-upstand", "ramp", "upstand_height_mm", ">=", "0,05 m", "≥ 0,05 м", {"K": A, "S": A}, "4.3.2.24",
  "Пандусы следует предусматривать борты по продольному краю марша высотой не менее 0,05 м",
  L("Бортик по краю пандуса", "Пандус жиегіндегі бортик", "Edge upstand on the ramp"),
  L("Устроить бортики высотой 5 см.", "Биіктігі 5 см бортик орнату.", "Add 5 cm edge upstands."))
Q8 = "Вдоль обеих сторон всех пандусов и лестниц, а также у всех перепадов высот горизонтальных поверхностей необходимо устанавливать ограждения с поручнями."
Q8h = "Перила устанавливаются на высоте от 0,8 м до 0,9 м. Перила должны продолжаться на верхнем и нижнем уровне пандуса на расстояние не менее 0,3 м."
R("ramp-handrails", "ramp", "handrails_both_sides", "==", YES, "с обеих сторон", {"O": A, "S": A}, "4.3.16.8", Q8,
  L("Поручни с обеих сторон пандуса", "Пандустың екі жағындағы тұтқалар", "Handrails on both sides of the ramp"),
  L("Установить поручни с обеих сторон.", "Екі жағына тұтқа орнату.", "Fit handrails on both sides."))
RANGE("ramp-handrail", "ramp", "handrail_height_mm", ("0,8 m", "≥ 0,8 м"), ("0,9 m", "≤ 0,9 м"), {"O": A}, "4.3.16.8", Q8h,
  L("Поручень пандуса не ниже 0,8 м", "Пандус тұтқасы 0,8 м-ден төмен емес", "Ramp handrail not below 0.8 m"),
  L("Поручень пандуса не выше 0,9 м", "Пандус тұтқасы 0,9 м-ден жоғары емес", "Ramp handrail not above 0.9 m"),
  L("Перенести поручни на 0,8–0,9 м.", "Тұтқаларды 0,8–0,9 м биіктікке көшіру.", "Move the handrails to 0.8–0.9 m."))
R("ramp-handrail-extension", "ramp", "handrail_extension_mm", ">=", "0,3 m", "≥ 0,3 м", {"O": A, "S": A}, "4.3.16.8", Q8h,
  L("Продолжение поручней", "Тұтқалардың жалғасы", "Handrail extensions"),
  L("Продлить поручни на 0,3 м вверху и внизу.", "Тұтқаларды жоғарыда және төменде 0,3 м ұзарту.", "Extend the handrails 0.3 m at the top and bottom."))
R("ramp-handrail-wall-gap", "ramp", "handrail_wall_gap_mm", ">=", "4 cm", "≥ 4 см", {"O": A}, "4.3.2.33",
  "Расстояние между поручнем и стеной должно быть не менее 4 см, если стена имеет шероховатую поверхность, то не менее 6 см.",
  L("Зазор между поручнем и стеной", "Тұтқа мен қабырға арасы", "Gap between handrail and wall"),
  L("Отодвинуть поручень от стены на 4–6 см.", "Тұтқаны қабырғадан 4–6 см алшақтату.", "Set the handrail 4–6 cm off the wall."))
Q35r = "Поручни опорных устройств рекомендуется делать, как правило, округлого сечения диаметром от 0,035 м до 0,045 м."
RANGE("ramp-handrail-diameter", "ramp", "handrail_diameter_mm", ("0,035 m", "≥ 35 мм (рекомендуется)"), ("0,045 m", "≤ 45 мм (рекомендуется)"), {"O": A}, "4.3.2.35", Q35r,
  L("Диаметр поручня не меньше 35 мм", "Тұтқа диаметрі 35 мм-ден кем емес", "Handrail at least 35 mm thick"),
  L("Диаметр поручня не больше 45 мм", "Тұтқа диаметрі 45 мм-ден аспайды", "Handrail at most 45 mm thick"),
  L("Заменить поручень на круглый 35–45 мм.", "Тұтқаны 35–45 мм дөңгелекпен ауыстыру.", "Use a round 35–45 mm handrail."), advisory=True, severity="minor", names=("min", "max"))
# ---- 1.5 Stairs -----------------------------------------------------------
Q28 = "Ширина проступей должна быть для наружных лестниц не менее 0,4 м, для внутренних лестниц - не менее 0,3 м. Высота подъемов ступеней (подступенек) наружных лестниц –должна быть не более 0,12 м, внутренних - не более 0,15 м."
R("stairs-riser", "stairs", "riser_height_mm", "<=", "0,15 m", "≤ 0,15 м", {"O": A, "S": A}, "4.3.2.28", Q28,
  L("Высота ступени", "Баспалдақ биіктігі", "Riser height"),
  L("Перестроить ступени высотой до 15 см.", "Баспалдақтарды 15 см-ге дейін қайта салу.", "Rebuild the steps to at most 15 cm."), inferred=True)
R("stairs-riser-outdoor", "stairs", "riser_height_mm", "<=", "0,12 m", "≤ 0,12 м (наружная)", {"O": A, "S": A}, "4.3.2.28", Q28,
  L("Высота ступени наружной лестницы", "Сыртқы баспалдақтың биіктігі", "Riser height of outdoor stairs"),
  L("Перестроить ступени высотой до 12 см.", "Баспалдақтарды 12 см-ге дейін қайта салу.", "Rebuild the steps to at most 12 cm."), inferred=True, when=[("outdoor", "==", 1)])
R("stairs-tread", "stairs", "tread_depth_mm", ">=", "0,3 m", "≥ 0,3 м", {"O": A}, "4.3.2.28", Q28,
  L("Глубина проступи", "Басқыш тереңдігі", "Tread depth"),
  L("Увеличить проступи до 30 см.", "Басқыштарды 30 см-ге дейін ұлғайту.", "Deepen the treads to 30 cm."), inferred=True)
R("stairs-tread-outdoor", "stairs", "tread_depth_mm", ">=", "0,4 m", "≥ 0,4 м (наружная)", {"O": A}, "4.3.2.28", Q28,
  L("Глубина проступи наружной лестницы", "Сыртқы баспалдақтың басқыш тереңдігі", "Tread depth of outdoor stairs"),
  L("Увеличить проступи до 40 см.", "Басқыштарды 40 см-ге дейін ұлғайту.", "Deepen the treads to 40 cm."), inferred=True, when=[("outdoor", "==", 1)])
R("stairs-width-outdoor", "stairs", "flight_width_mm", ">=", "1,35 m", "≥ 1,35 м", {"O": A}, "4.3.2.28",
  "Ширина лестничных маршей открытых лестниц должна быть не менее 1,35 м.",
  L("Ширина марша открытой лестницы", "Ашық баспалдақ маршының ені", "Width of an open stair flight"),
  L("Расширить марш до 1,35 м.", "Маршты 1,35 м-ге дейін кеңейту.", "Widen the flight to 1.35 m."), inferred=True, when=[("outdoor", "==", 1)])
R("stairs-cross-slope", "stairs", "tread_cross_slope_permille", "<=", "2 %", "≤ 2 %", {"O": A}, "4.3.2.28",
  "Поперечный уклон СП РК 3.06-101-2012* 16 ступеней должен быть не более 2 %",
  L("Поперечный уклон ступеней", "Баспалдақтардың көлденең еңісі", "Tread cross slope"),
  L("Выровнять ступени до уклона 2 %.", "Баспалдақтарды 2 % еңіске дейін түзету.", "Level the treads to 2 %."), inferred=True)
R("stairs-nosing", "stairs", "nosing_radius_mm", "<=", "0,05 m", "≤ 0,05 м", {"O": A, "S": A}, "4.3.2.29",
  "Ребро ступени должно иметь закругление радиусом не более 0,05 м.",
  L("Закругление ребра ступени", "Баспалдақ қырының дөңгелектенуі", "Nosing radius"),
  L("Заменить ребро ступени на закруглённое до 5 см.", "Баспалдақ қырын 5 см-ге дейін дөңгелектеу.", "Round the nosings to at most 5 cm."))
Q31 = "Марш открытой лестницы не должен быть менее трех ступеней и не должен превышать 12 ступеней."
R("stairs-steps-min", "stairs", "step_count", ">=", 3, "≥ 3 ступени", {"O": A, "S": A}, "4.3.2.31", Q31,
  L("Не меньше трёх ступеней в марше", "Маршта кемінде үш баспалдақ", "At least three steps in a flight"),
  L("Заменить одиночные ступени пандусом.", "Жалғыз баспалдақтарды пандуспен ауыстыру.", "Replace single steps with a ramp."), when=[("outdoor", "==", 1)])
R("stairs-steps-max", "stairs", "step_count", "<=", 12, "≤ 12 ступеней", {"O": A}, "4.3.2.31", Q31,
  L("Не больше 12 ступеней в марше", "Маршта 12 баспалдақтан аспайды", "At most 12 steps in a flight"),
  L("Разделить марш площадкой.", "Маршты алаңмен бөлу.", "Split the flight with a landing."), when=[("outdoor", "==", 1)])
R("stairs-handrails", "stairs", "handrails_both_sides", "==", YES, "с обеих сторон", {"O": A, "S": A}, "4.3.16.8", Q8,
  L("Поручни с обеих сторон лестницы", "Баспалдақтың екі жағындағы тұтқалар", "Handrails on both sides of the stairs"),
  L("Установить поручни с обеих сторон.", "Екі жағына тұтқа орнату.", "Fit handrails on both sides."))
R("stairs-contrast", "stairs", "contrast_edges", "==", YES, "контрастные ступени", {"S": A}, "4.3.16.19",
  "Следует применять различный по цвету материал ступеней лестниц и горизонтальных площадок перед ними.",
  L("Контраст ступеней и площадок", "Баспалдақ пен алаңның контрасты", "Steps contrasting with the landings"),
  L("Выделить ступени контрастным цветом.", "Баспалдақтарды контрастты түспен белгілеу.", "Mark the steps in a contrasting colour."), inferred=True)
# ---- tactile warnings ------------------------------------------------------
Q32 = "Перед открытой лестницей за 0,6-0,8 м следует предусмотреть предупредительные тактильные полосы шириной от 0,3 м до 0,5 м"
R("tactile-present", "tactile_navigation", "present", "==", YES, "есть", {"S": B}, "4.3.2.3",
  "На путях движения лиц, имеющих ограничения по зрению, предусматриваются рельефные тактильные обозначения путей движения",
  L("Тактильные обозначения путей", "Тактильді жол белгілері", "Tactile path markings"),
  L("Устроить тактильные указатели на путях движения.", "Жүру жолдарына тактильді көрсеткіштер орнату.", "Lay tactile walking surface indicators."), inferred=True, severity="critical")
RANGE("tactile-distance", "tactile_navigation", "distance_to_stairs_mm", ("0,6 m", "≥ 0,6 м"), ("0,8 m", "≤ 0,8 м"), {"S": A}, "4.3.2.32", Q32,
  L("Полоса не ближе 0,6 м к лестнице", "Жолақ баспалдаққа 0,6 м-ден жақын емес", "Strip at least 0.6 m before the stairs"),
  L("Полоса не дальше 0,8 м от лестницы", "Жолақ баспалдақтан 0,8 м-ден алыс емес", "Strip at most 0.8 m before the stairs"),
  L("Уложить полосу за 0,6–0,8 м до первой ступени.", "Жолақты бірінші баспалдаққа 0,6–0,8 м қалдырып салу.", "Lay the strip 0.6–0.8 m before the first step."), inferred=True, names=("min", "max"))
RANGE("tactile-depth", "tactile_navigation", "strip_depth_mm", ("0,3 m", "≥ 0,3 м"), ("0,5 m", "≤ 0,5 м"), {"S": A}, "4.3.2.32", Q32,
  L("Ширина полосы не меньше 0,3 м", "Жолақ ені 0,3 м-ден кем емес", "Strip at least 0.3 m deep"),
  L("Ширина полосы не больше 0,5 м", "Жолақ ені 0,5 м-ден аспайды", "Strip at most 0.5 m deep"),
  L("Уложить полосу шириной 0,3–0,5 м.", "Ені 0,3–0,5 м жолақ салу.", "Lay a strip 0.3–0.5 m deep."), inferred=True, names=("min", "max"))
R("tactile-contrast", "tactile_navigation", "contrasting", "==", YES, "контрастна по цвету (рекомендуется)", {"S": A}, "4.3.1.20",
  "с предупреждающими полосами, контрастными по цвету и текстуре, шириной не менее 0,6 м",
  L("Контрастность тактильной полосы", "Тактильді жолақтың контрасты", "Tactile strip contrast"),
  L("Выделить полосу контрастным цветом.", "Жолақты контрастты түспен белгілеу.", "Make the strip contrast in colour."), inferred=True, advisory=True, severity="minor")
# ---- 1.6 Corridors --------------------------------------------------------
R("corridor-width", "corridor", "width_mm", ">=", "1,5 m", "≥ 1,5 м", {"K": A}, "4.3.2.38",
  "В общественных зданиях, доступных для инвалидов, ширина коридоров должна быть не менее 1,5 м.",
  L("Ширина коридора", "Дәліз ені", "Corridor width"),
  L("Освободить или расширить коридор до 1,5 м.", "Дәлізді 1,5 м-ге дейін босату не кеңейту.", "Clear or widen the corridor to 1.5 m."))
R("corridor-approach", "corridor", "width_mm", ">=", "0,9 m", "≥ 0,9 м", {"K": B}, "4.3.2.42",
  "Подходы к различному оборудованию и мебели должны быть не менее 0,9 м",
  L("Проход не уже 0,9 м", "Өткел 0,9 м-ден тар емес", "Passage at least 0.9 m"),
  L("Освободить проход шириной 0,9 м.", "Ені 0,9 м өткел босату.", "Clear a 0.9 m passage."), severity="critical")
R("turning", "corridor", "turning_diameter_mm", ">=", "1,5 m", "⌀ ≥ 1,5 м", {"K": A}, "4.3.2.43",
  "Диаметр зоны для самостоятельного разворота на 90 - 180° инвалида на кресло-коляске следует принимать не менее 1,5-1,7 м",
  L("Зона разворота кресла-коляски", "Арбаның бұрылу аймағы", "Wheelchair turning space"),
  L("Освободить круг диаметром 1,5 м.", "Диаметрі 1,5 м шеңбер босату.", "Clear a 1.5 m turning circle."), inferred=True,
  note="'Не менее 1,5-1,7 м' gives a minimum as a range: 1.5 m is encoded as the hard minimum.")
Q33 = "не должны выступать более чем на 0,1 м на высоте от 0,7 м до 2,0 м от уровня пола."
R("protrusion", "corridor", "protrusion_depth_mm", "<=", "0,1 m", "≤ 0,1 м", {"S": A}, "4.3.3.3", Q33,
  L("Выступы на пути движения", "Жүру жолындағы шығыңқылар", "Protrusions on the way"),
  L("Убрать или оградить выступы более 10 см.", "10 см-ден асатын шығыңқыларды алу не қоршау.", "Remove or guard protrusions over 10 cm."),
  when=[("protruding_objects", "==", 1)], note="4.3.16.13 gives 0.7–2.1 m for the same rule; measure up to 2.1 m (stricter).")
# ---- 1.7 / 1.8 Lifts ------------------------------------------------------
Q41 = "Параметры кабины лифта, предназначенного для пользования лиц, передвигающихся на кресло-коляске, должны иметь внутренние размеры не менее 1,3 м × 2,1 м"
R("lift-cabin-width", "lift", "cabin_width_mm", ">=", "1,3 m", "≥ 1,3 м", {"K": B}, "4.3.4.1", Q41,
  L("Ширина кабины лифта", "Лифт кабинасының ені", "Lift cabin width"),
  L("Установить лифт с кабиной не менее 1,3 × 2,1 м.", "Кабинасы кемінде 1,3 × 2,1 м лифт орнату.", "Install a lift with a cabin of at least 1.3 × 2.1 m."), inferred=True, severity="critical")
R("lift-cabin-depth", "lift", "cabin_depth_mm", ">=", "2,1 m", "≥ 2,1 м", {"K": A}, "4.3.4.1", Q41,
  L("Глубина кабины лифта", "Лифт кабинасының тереңдігі", "Lift cabin depth"),
  L("Установить лифт с кабиной не менее 1,3 × 2,1 м.", "Кабинасы кемінде 1,3 × 2,1 м лифт орнату.", "Install a lift with a cabin of at least 1.3 × 2.1 m."), inferred=True)
R("lift-door", "lift", "door_clear_width_mm", ">=", "0,9 m", "≥ 0,9 м (рекомендуется)", {"K": A}, "4.3.4.2",
  "Для нового строительства общественных и производственных зданий рекомендуется применять лифты с шириной дверного проема не менее 0,9 м.",
  L("Ширина двери лифта", "Лифт есігінің ені", "Lift door width"),
  L("При замене лифта — дверь 0,9 м.", "Лифтті ауыстырғанда — есік 0,9 м.", "When replacing the lift, fit a 0.9 m door."), advisory=True, severity="minor")
Q43 = "Кнопка вызова устанавливается на высоте от 0,9 м до 1,2 м от уровня пола."
RANGE("lift-call", "lift", "call_button_height_mm", ("0,9 m", "≥ 0,9 м"), ("1,2 m", "≤ 1,2 м"), {"K": A}, "4.3.4.3", Q43,
  L("Кнопка вызова не ниже 0,9 м", "Шақыру түймесі 0,9 м-ден төмен емес", "Call button not below 0.9 m"),
  L("Кнопка вызова не выше 1,2 м", "Шақыру түймесі 1,2 м-ден жоғары емес", "Call button not above 1.2 m"),
  L("Перенести кнопку на 0,9–1,2 м.", "Түймені 0,9–1,2 м биіктікке көшіру.", "Move the button to 0.9–1.2 m."))
Q44 = "Для лиц, имеющих ограничения по зрению, должно быть визуальное и голосовое сопровождение при остановках и в движении с одновременным зажиганием и голосовым сопровождением соответствующего номера этажа."
R("lift-braille", "lift", "braille_buttons", "==", YES, "Брайль на кнопках", {"S": A}, "4.3.4.4",
  "На кнопках лифта должны быть обозначения номера этажей шрифтом Брайля",
  L("Шрифт Брайля на кнопках", "Түймелердегі Брайль қарпі", "Braille on the buttons"),
  L("Установить кнопки с Брайлем.", "Брайль қарпі бар түймелер орнату.", "Fit buttons with Braille."), inferred=True)
R("lift-voice", "lift", "voice_announcement", "==", YES, "голосовое сопровождение", {"S": A}, "4.3.4.4", Q44,
  L("Голосовое объявление этажей", "Қабаттарды дауыспен хабарлау", "Spoken floor announcements"),
  L("Установить голосовое оповещение.", "Дауыстық хабарлағыш орнату.", "Fit spoken announcements."), inferred=True)
R("lift-visual", "lift", "visual_floor_indicator", "==", YES, "визуальное сопровождение", {"G": A}, "4.3.4.4", Q44,
  L("Световое табло этажей", "Қабаттардың жарық таблосы", "Visual floor indicator"),
  L("Установить световое табло этажей.", "Қабаттардың жарық таблосын орнату.", "Fit a visual floor indicator."), inferred=True,
  note="The clause is written for visitors with impaired vision; its visual indication is what deaf visitors rely on.")
Q45 = "В лифтах, доступных для маломобильных групп населения необходимо предусматривать поручни, расположенные по трем сторонам на высоте от 0,8 м до 0,9 м от уровня пола."
RANGE("lift-handrail", "lift", "handrail_height_mm", ("0,8 m", "≥ 0,8 м"), ("0,9 m", "≤ 0,9 м"), {"O": A}, "4.3.4.5", Q45,
  L("Поручень в кабине не ниже 0,8 м", "Кабинадағы тұтқа 0,8 м-ден төмен емес", "Cabin handrail not below 0.8 m"),
  L("Поручень в кабине не выше 0,9 м", "Кабинадағы тұтқа 0,9 м-ден жоғары емес", "Cabin handrail not above 0.9 m"),
  L("Установить поручни на 0,8–0,9 м.", "Тұтқаларды 0,8–0,9 м биіктікке орнату.", "Fit handrails at 0.8–0.9 m."))
# ---- 1.9 Toilets ------------------------------------------------------------
Q312 = "Универсальная кабина санитарных узлов общего пользования должна иметь размеры в плане: ширина - не менее 1,65 м, глубина - не менее 2 м."
R("toilet-width", "toilet", "cubicle_width_mm", ">=", "1,65 m", "≥ 1,65 м", {"K": B}, "4.3.3.12", Q312,
  L("Ширина универсальной кабины", "Әмбебап кабинаның ені", "Universal cabin width"),
  L("Переоборудовать кабину 1,65 × 2,0 м.", "Кабинаны 1,65 × 2,0 м етіп қайта жабдықтау.", "Rebuild the cabin to 1.65 × 2.0 m."), inferred=True, severity="critical")
R("toilet-depth", "toilet", "cubicle_depth_mm", ">=", "2 m", "≥ 2 м", {"K": B}, "4.3.3.12", Q312,
  L("Глубина универсальной кабины", "Әмбебап кабинаның тереңдігі", "Universal cabin depth"),
  L("Переоборудовать кабину 1,65 × 2,0 м.", "Кабинаны 1,65 × 2,0 м етіп қайта жабдықтау.", "Rebuild the cabin to 1.65 × 2.0 m."), inferred=True, severity="critical")
Q316 = "Двери отдельных уборных и душевых кабин должны быть: - шириной в свету не менее 0,9 м; - открываемые наружу либо должны использоваться раздвижные двери"
R("toilet-door", "toilet", "door_clear_width_mm", ">=", "0,9 m", "≥ 0,9 м", {"K": B}, "4.3.3.16", Q316,
  L("Ширина двери кабины", "Кабина есігінің ені", "Cabin door width"),
  L("Расширить дверь кабины до 0,9 м.", "Кабина есігін 0,9 м-ге дейін кеңейту.", "Widen the cabin door to 0.9 m."), severity="critical")
R("toilet-door-outward", "toilet", "door_opens_outward", "==", YES, "наружу или раздвижная", {"K": A}, "4.3.3.16", Q316,
  L("Дверь кабины открывается наружу", "Кабина есігі сыртқа ашылады", "Cabin door opens outward"),
  L("Перевесить дверь наружу или поставить раздвижную.", "Есікті сыртқа ашылатын не жылжымалы ету.", "Rehang the door to open outward or fit a sliding door."),
  note="A sliding door is recorded as opening outward (the clause allows either).")
Q320 = "установлен так, чтобы верхний край был на уровне от 0,8 м до 0,85 м от уровня пола"
RANGE("basin", "toilet", "basin_height_mm", ("0,8 m", "≥ 0,8 м"), ("0,85 m", "≤ 0,85 м"), {"K": A}, "4.3.3.20", Q320,
  L("Умывальник не ниже 0,8 м", "Қолжуғыш 0,8 м-ден төмен емес", "Washbasin rim not below 0.8 m"),
  L("Умывальник не выше 0,85 м", "Қолжуғыш 0,85 м-ден жоғары емес", "Washbasin rim not above 0.85 m"),
  L("Перевесить умывальник на 0,8–0,85 м.", "Қолжуғышты 0,8–0,85 м биіктікке ілу.", "Refit the basin at 0.8–0.85 m."))
Q323 = "расположены на высоте от 0,4 м до 0,6 м над уровнем пола"
RANGE("alarm", "toilet", "alarm_button_height_mm", ("0,4 m", "≥ 0,4 м"), ("0,6 m", "≤ 0,6 м"), {"K": A}, "4.3.3.23", Q323,
  L("Кнопка экстренной помощи не ниже 0,4 м", "Шұғыл көмек түймесі 0,4 м-ден төмен емес", "Emergency button not below 0.4 m"),
  L("Кнопка экстренной помощи не выше 0,6 м", "Шұғыл көмек түймесі 0,6 м-ден жоғары емес", "Emergency button not above 0.6 m"),
  L("Перенести кнопку на 0,4–0,6 м.", "Түймені 0,4–0,6 м биіктікке көшіру.", "Move the button to 0.4–0.6 m."))
# ---- 1.10 Service -----------------------------------------------------------
R("counter-height", "service_counter", "counter_height_mm", "<=", "0,8 m", "≤ 0,8 м", {"K": A}, "4.3.6.5",
  "Поверхность столов индивидуального пользования, прилавков и других мест обслуживания, используемых посетителями на креслах-колясках, должна находиться на высоте не более 0,8 м над уровнем пола.",
  L("Высота стойки обслуживания", "Қызмет көрсету үстелінің биіктігі", "Service counter height"),
  L("Устроить участок стойки высотой 0,8 м.", "Үстелдің 0,8 м биіктіктегі бөлігін жасау.", "Provide a counter section 0.8 m high."))
R("knee-clearance", "service_counter", "knee_clearance_mm", ">=", "0,7 m", "≥ 0,7 м", {"K": A}, "4.3.8.6",
  "Высота столов, предназначенных для лиц, передигающихся с помощью кресло-коляски, должна быть не более 0,8 м, коленное пространство - не менее 0,7 м",
  L("Пространство для коленей", "Тізе кеңістігі", "Knee clearance"),
  L("Освободить под стойкой 0,7 м для коленей.", "Үстел астында тізеге 0,7 м босату.", "Clear 0.7 m of knee space under the counter."), inferred=True)
# ---- 1.11 Signage, information --------------------------------------------
Q245 = "В общественных, жилых зданиях опознавательные таблички, номера кабинетов, комнат должны размещаться на уровне глаз от 1,4 м до 1,6 м."
Q1622 = "Вывески должны быть установлены на уровне глаз на высоте от 1,4 м до 1,5 м от уровня пола."
R("sign-low", "signage", "mount_height_mm", ">=", "1,4 m", "≥ 1,4 м", {"S": A, "U": A}, "4.3.2.45", Q245,
  L("Табличка не ниже 1,4 м", "Тақтайша 1,4 м-ден төмен емес", "Sign not below 1.4 m"),
  L("Перевесить табличку на 1,4–1,5 м.", "Тақтайшаны 1,4–1,5 м биіктікке ілу.", "Rehang the sign at 1.4–1.5 m."))
R("sign-high", "signage", "mount_height_mm", "<=", "1,5 m", "≤ 1,5 м", {"S": A, "U": A}, "4.3.16.22", Q1622,
  L("Табличка не выше 1,5 м", "Тақтайша 1,5 м-ден жоғары емес", "Sign not above 1.5 m"),
  L("Перевесить табличку на 1,4–1,5 м.", "Тақтайшаны 1,4–1,5 м биіктікке ілу.", "Rehang the sign at 1.4–1.5 m."),
  note="4.3.2.45 allows up to 1.6 m, 4.3.16.22 up to 1.5 m: the stricter 1.5 m is encoded.")
R("sign-letters", "signage", "letter_height_mm", ">=", "0,075 m", "≥ 0,075 м", {"S": A, "U": A}, "4.3.16.24",
  "Высота прописных букв надписей на указателях, размещенных на высоте от пола до нижней кромки указателя более 2 м, должна быть не менее 0,075 м.",
  L("Высота букв высоко размещённого указателя", "Биік орналасқан көрсеткіштің әріп биіктігі", "Letter height of a high sign"),
  L("Увеличить буквы до 7,5 см.", "Әріптерді 7,5 см-ге дейін үлкейту.", "Enlarge the letters to 7.5 cm."), when=[("mount_height_mm", ">", "2 m")],
  note="The clause takes the sign's lower edge; the checklist records the sign's centre, so a sign centred above 2 m is judged (its edge may be lower).")
R("sign-contrast", "signage", "contrast_text", "==", YES, "контраст ≥ 1:4 (рекомендуется)", {"S": A, "U": A}, "4.3.16.20",
  "Контраст разметки тонов и фона должен быть не менее 1:4.",
  L("Контрастный текст указателей", "Көрсеткіштердің контрастты мәтіні", "Contrasting sign text"),
  L("Заменить указатели на контрастные.", "Көрсеткіштерді контрастты етіп ауыстыру.", "Replace signs with contrasting ones."), inferred=True, advisory=True, severity="minor")
R("listening-seats", "information_communication", "listening_seat_share", ">=", 5, "≥ 5 % мест", {"G": A}, "4.3.14.6",
  "не менее 5 % кресел с вмонтированными системами индивидуального прослушивания",
  L("Места с системой индивидуального прослушивания", "Жеке тыңдау жүйесі бар орындар", "Seats with assistive listening"),
  L("Оборудовать не менее 5 % мест системой прослушивания.", "Орындардың кемінде 5 %-ын тыңдау жүйесімен жабдықтау.", "Fit at least 5 % of the seats with assistive listening."),
  reads=["hall_seats", "listening_seats"], when=[("hall_seats", ">", 50)],
  note="The clause concerns halls with more than 50 fixed seats; the share is listening seats over fixed seats, in per cent.")
R("alarm-contrast", "toilet", "alarm_button_contrast", "==", YES, "контрастна со стеной", {"S": A}, "4.3.3.23",
  "контрастного цвета со стеной",
  L("Кнопка экстренной помощи контрастна", "Шұғыл көмек түймесі контрастты", "Emergency button contrasts with the wall"),
  L("Выделить кнопку контрастным цветом.", "Түймені контрастты түспен белгілеу.", "Make the button contrast with the wall."))
R("hearing-places", "information_communication", "hearing_place_distance_mm", "<=", "3 m", "≤ 3 м", {"G": A}, "4.3.14.6",
  "Места для лиц с нарушениями функций слуха следует размещать на расстоянии не более 3 м от источника звука",
  L("Места для слабослышащих у источника звука", "Естуі нашар адамдардың орны дыбыс көзіне жақын", "Places for hard-of-hearing people near the sound"),
  L("Выделить места не дальше 3 м от источника звука.", "Дыбыс көзінен 3 м-ден алыс емес орындар бөлу.", "Set aside places within 3 m of the sound source."))

REQUIRES = {
    "K": [("approach", "The way from the street or car park (4.3.1): width, slopes, kerb ramps decide whether a wheelchair user arrives."),
          ("entrance", "The entrance (4.3.2.2–4.3.2.24): level change, ramp, platform, doors decide whether they get in."),
          ("paths_inside", "Corridors, turning space and lifts (4.3.2.38–4.3.4) decide whether they reach the service.")],
    "O": [("approach", "Slopes and surfaces of the approach (4.3.1.10, 4.3.1.13)."),
          ("entrance", "Steps, ramps, handrails and thresholds at the entrance (4.3.2, 4.3.16.8).")],
    "S": [("entrance", "Glazing marks, ramp upstands and handrails at the entrance (4.3.2.11, 4.3.2.24, 4.3.16.8)."),
          ("information", "Tactile warnings and signs (4.3.2.3, 4.3.2.32, 4.3.2.45) are how a blind visitor finds the way.")],
    "G": [("information", "Hearing places and visual information (4.3.14.6); the extract has no alarm value to judge (4.2.14 is garbled).")],
    "U": [("information", "Signs at eye level with legible letters (4.3.2.45, 4.3.16.22, 4.3.16.24).")],
}

# Why a failure affects its categories as it does (first match on the id).
WHY = [
    ("kerb-ramp-width", "К: a narrow kerb ramp is hard to line up with from a wheelchair."),
    ("stairs-contrast", "С: people with low vision misjudge steps that do not contrast."),
    ("stairs", "О: steep, narrow, sloping or irregular steps cause falls; С: steps that differ are misjudged by people with low vision."),
    ("lift-cabin", "К: a wheelchair with its user and a companion must fit in the cabin."),
    ("lift-door", "К: a wheelchair passes a lift door narrower than 0,9 m only with care."),
    ("lift-call", "К: a call button outside the range cannot be reached from a wheelchair."),
    ("lift-braille", "С: floor numbers must be felt."),
    ("lift-voice", "С: floor numbers must be heard."),
    ("lift-visual", "Г: deaf visitors must see which floor the lift is at."),
    ("lift-handrail", "О: people with limited mobility hold on while the lift moves."),
    ("tactile", "С: blind people find stairs and routes by feel underfoot; contrast helps those with low vision."),
    ("ramp-width", "К: a wheelchair cannot use a ramp narrower than 1,2 m safely, nor a helper walk beside it."),
    ("kerb-lip", "К: a wheelchair cannot climb a lip at the carriageway; О: a lip trips people who walk with difficulty."),
    ("entrance-step", "К: a wheelchair cannot climb a step; О: a step is a fall risk for people who walk with difficulty."),
    ("slope-min", "О: a level platform holds water and ice, a fall risk."),
    ("cross-slope", "К: a cross slope pulls a wheelchair sideways; it can be managed with a helper. О: it unbalances people on sticks."),
    ("slope", "К: a wheelchair user cannot climb a steeper slope alone (or needs a helper to push); О: steep slopes tire and endanger people who walk with difficulty."),
    ("joints", "К, О: wheels and crutch tips catch in wide joints; С: a white cane catches too."),
    ("grating", "К, О: wheels, crutch tips and heels drop into wide openings; С: a white cane catches."),
    ("surface", "К, О: loose or uneven surfaces stop wheels and sticks."),
    ("threshold", "К: a wheelchair crosses a higher threshold only with help; О: a threshold trips people who shuffle."),
    ("handrails", "О: people with limited mobility hold on to both sides; С: a handrail guides a blind person along."),
    ("handrail-extension", "О: support before the first and after the last step of the slope; С: the rail's end announces the slope."),
    ("handrail", "О: a rail at the wrong height, thickness or distance from the wall cannot be gripped safely."),
    ("upstand", "К: an upstand stops a wheel slipping off the edge; С: a cane finds the edge."),
    ("rise", "К: a long climb exhausts a wheelchair user; where the norm asks for a lift, a ramp needs a helper."),
    ("flight-length", "К, О: a long flight without a landing leaves no place to rest or stop."),
    ("landing", "К: a wheelchair needs level room to rest, turn and stop at each end and between flights."),
    ("platform", "К: a wheelchair needs room on the platform to turn and open the door."),
    ("door-space", "К: a wheelchair needs room in front of the door to open it and pass."),
    ("door-hold", "К, О: time to pass before an automatic door closes on the person."),
    ("handle", "К: a handle outside the range cannot be reached from a wheelchair."),
    ("glass", "С: people with low vision walk into unmarked glass."),
    ("tambour", "К: a wheelchair must fit between two doors and turn there."),
    ("turnstile", "К: a wheelchair cannot pass a narrower gate."),
    ("door", "К: a wheelchair (about 0,7 m wide) cannot pass a narrower door."),
    ("toilet", "К: a wheelchair cannot enter or turn in a smaller cabin, nor transfer beside the pan."),
    ("basin", "К: a basin outside the range cannot be used from a wheelchair."),
    ("alarm-contrast", "С: a visitor with low vision must find the button against the wall."),
    ("alarm", "К: a fallen or seated person must reach the button."),
    ("parking-count", "К: without enough signed spaces, none is free for a disabled driver."),
    ("parking-sign", "К: an unmarked space is taken by others."),
    ("parking", "К: a wheelchair user needs the room beside and behind the car to get out."),
    ("path-width", "К: a wheelchair cannot pass, or two cannot pass each other, on a narrower path."),
    ("edge-kerb", "С: a white cane follows the edge of the path along the kerb."),
    ("headroom", "С: a blind person's cane does not find a sign or branch at head height."),
    ("corridor-approach", "К: a wheelchair cannot pass a passage narrower than 0,9 m."),
    ("corridor", "К: a wheelchair needs 1,5 m to pass people and turn."),
    ("turning", "К: a wheelchair needs a 1,5 m circle to turn round."),
    ("protrusion", "С: a cane sweeping the floor does not find objects jutting out above 0,7 m."),
    ("counter", "К: a counter or desk above 0,8 m cannot be used from a wheelchair."),
    ("knee", "К: a wheelchair user needs room for the knees to reach the counter."),
    ("sign-letters", "С: letters smaller than 75 mm cannot be read from below; У: clear signs help people with intellectual disabilities."),
    ("sign-contrast", "С: low-vision visitors read contrasting signs; У: clear signs help people with intellectual disabilities."),
    ("sign", "С: low-vision visitors read signs at eye level, up close; У: signs where they are expected help people with intellectual disabilities find their way."),
    ("hearing", "Г: hard-of-hearing visitors need to sit near the sound source."),
    ("listening", "Г: hard-of-hearing visitors hear a hall only through an induction loop or another listening system."),
]
for r in RULES:
    short = r["id"].split("-", 2)[2] if r["id"].count("-") >= 2 else r["id"]
    why = next((w for key, w in WHY if key in short), None)
    assert why, f"{r['id']}: no reason for its categories"
    r["why"] = why

if os.path.exists(NORM):
    text = open(NORM, encoding="utf-8").read()
    for r in RULES:
        assert r["source"]["quote"] in text, f"{r['id']}: quote not found verbatim in norms-kz.md"
ids = [r["id"] for r in RULES]
assert len(ids) == len(set(ids)), "duplicate ids"
out = {
    "id": "kz-sp-3.06-101-2012",
    "title": "СП РК 3.06-101-2012* Доступность зданий и сооружений для маломобильных групп населения",
    "document": DOC,
    "edition": EDITION,
    "notes": "schemas/rules/README.md (kz-sp-3.06-101-2012); generated by schemas/rules/kz-generate.py from shared/reference/norms-kz.md",
    "requires": {c: [{"zone": z, "reason": why} for z, why in zs] for c, zs in REQUIRES.items()},
    "rules": RULES,
}
with open(os.path.join(HERE, "kz-sp-3.06-101-2012.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=2)
    f.write("\n")
print(len(RULES), "rules,", sum(r["advisory"] for r in RULES), "advisory,", sum(r["source"]["clause_inferred"] for r in RULES), "inferred")
