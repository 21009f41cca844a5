#!/usr/bin/env python3
"""Writes the built-in checklists (one JSON file per element kind).

The JSON files are the source of truth that the app, the server and the
rules engine load; this script only keeps the 13 files consistent when a
field is added for every kind. An NGO may edit the JSON directly instead.
"""
import json, os

def L(ru, kk, en):
    return {"ru": ru, "kk": kk, "en": en}

MM = "length_mm"
def f(name, typ, label, hint, lo=0, hi=None, photo=False):
    d = {"name": name, "type": typ, "label": label, "hint": hint, "photo_expected": photo}
    if typ in (MM, "permille", "count"):
        d["min"] = lo
        d["max"] = hi if hi is not None else {"length_mm": 100000, "permille": 1000, "count": 1000}[typ]
    return d

TAPE = L("Рулеткой, в миллиметрах", "Рулеткамен, миллиметрмен", "With a tape, in millimetres")
FLAG = L("Да или нет", "Иә немесе жоқ", "Yes or no")

K = {}
K["approach_path"] = ("approach", L("Путь подхода", "Кіру жолы", "Approach path"), True, [
    f("width_mm", MM, L("Ширина пути", "Жол ені", "Path width"), L("В самом узком месте", "Ең тар жерінде", "At its narrowest"), hi=20000),
    f("slope_permille", "permille", L("Продольный уклон", "Бойлық еңіс", "Running slope"), L("Уклономером вдоль пути", "Жол бойымен еңісөлшегішпен", "With a level along the path")),
    f("cross_slope_permille", "permille", L("Поперечный уклон", "Көлденең еңіс", "Cross slope"), L("Уклономером поперёк пути", "Жолға көлденең еңісөлшегішпен", "With a level across the path")),
    f("kerb_height_mm", MM, L("Высота бордюра на переходе", "Өткелдегі жиектас биіктігі", "Kerb height at the crossing"), TAPE, hi=1000, photo=True),
    f("surface_even", "flag", L("Покрытие ровное, без щелей", "Жабын тегіс, саңылаусыз", "Even surface without gaps"), FLAG, photo=True),
    f("existing_development", "flag", L("Сложившаяся застройка", "Қалыптасқан құрылыс", "Existing built-up area"), L("Путь в условиях сложившейся застройки (допускается 1,2 м)", "Қалыптасқан құрылыс жағдайындағы жол (1,2 м рұқсат)", "A path in an existing built-up area (1.2 m allowed)")),
    f("joint_width_mm", MM, L("Швы между плитами", "Плиталар арасындағы жіктер", "Joints between paving slabs"), L("Самый широкий шов", "Ең кең жік", "The widest joint"), hi=200),
    f("kerb_ramp_slope_permille", "permille", L("Уклон съезда с тротуара", "Тротуардан түсу еңісі", "Kerb ramp slope"), L("Уклономером вдоль съезда", "Түсу бойымен еңісөлшегішпен", "With a level along the kerb ramp")),
    f("cramped_site", "flag", L("Затеснённое место", "Тар орын", "Cramped site"), L("Отмечается только при стеснённых условиях", "Тек тар жағдайда белгіленеді", "Mark only where space is genuinely cramped")),
    f("kerb_ramp_width_mm", MM, L("Ширина бордюрного пандуса", "Жиектас пандусының ені", "Kerb ramp width"), TAPE, hi=10000),
    f("edge_kerb_height_mm", MM, L("Бортик по краю пути", "Жол жиегіндегі жиектас", "Edge kerb along the path"), TAPE, hi=1000),
    f("headroom_mm", MM, L("Свободная высота над путём", "Жол үстіндегі бос биіктік", "Headroom over the path"), L("До нижнего края знаков и веток", "Белгілер мен бұтақтардың төменгі жиегіне дейін", "To the lowest edge of signs and branches"), hi=10000),
    f("has_kerb_ramp", "flag", L("Есть съезд с тротуара (бордюрный пандус)", "Тротуардан түсу (жиектас пандусы) бар", "Has a kerb ramp"), FLAG, photo=True),
])
K["parking"] = ("approach", L("Парковка", "Тұрақ", "Parking"), True, [
    f("accessible_spaces", "count", L("Мест для инвалидов", "Мүгедектерге арналған орын", "Accessible spaces"), L("Число размеченных мест", "Белгіленген орындар саны", "Number of marked spaces")),
    f("total_spaces", "count", L("Всего мест", "Барлық орын", "Total spaces"), L("Все места парковки", "Тұрақтың барлық орны", "All spaces of the car park"), hi=100000),
    f("space_width_mm", MM, L("Ширина места", "Орын ені", "Space width"), TAPE, hi=20000),
    f("distance_to_entrance_mm", MM, L("Расстояние до входа", "Кіреберіске дейінгі қашықтық", "Distance to the entrance"), L("По пути движения", "Жүру жолы бойынша", "Along the route")),
    f("signed", "flag", L("Есть знак и разметка", "Белгі мен таңба бар", "Sign and marking present"), FLAG, photo=True),
    f("space_length_mm", MM, L("Длина места", "Орын ұзындығы", "Space length"), TAPE, hi=20000),
    f("aisle_width_mm", MM, L("Ширина прохода у места", "Орын жанындағы өтпе ені", "Access aisle width"), TAPE, hi=10000),
])
K["entrance"] = ("entrance", L("Вход", "Кіреберіс", "Entrance"), True, [
    f("has_step", "flag", L("Есть ступень", "Баспалдақ бар", "Has a step"), FLAG, photo=True),
    f("step_height_mm", MM, L("Высота ступени", "Баспалдақ биіктігі", "Step height"), L("Полная высота подъёма до входа", "Кіреберіске дейінгі толық көтерілу", "Total rise to the entrance"), hi=5000),
    f("platform_width_mm", MM, L("Ширина входной площадки", "Кіреберіс алаңының ені", "Entrance platform width"), TAPE, hi=20000),
    f("platform_depth_mm", MM, L("Глубина входной площадки", "Кіреберіс алаңының тереңдігі", "Entrance platform depth"), TAPE, hi=20000),
    f("has_canopy", "flag", L("Есть навес", "Қалқа бар", "Canopy present"), FLAG),
    f("has_call_button", "flag", L("Есть кнопка вызова", "Шақыру түймесі бар", "Call button present"), FLAG, photo=True),
    f("platform_cross_slope_permille", "permille", L("Поперечный уклон площадки", "Алаңның көлденең еңісі", "Platform cross slope"), L("Уклономером", "Еңісөлшегішпен", "With a level")),
    f("tambour_depth_mm", MM, L("Глубина тамбура", "Тамбур тереңдігі", "Vestibule depth"), TAPE, hi=20000),
    f("tambour_width_mm", MM, L("Ширина тамбура", "Тамбур ені", "Vestibule width"), TAPE, hi=20000),
    f("reconstruction", "flag", L("Здание реконструируется", "Ғимарат қайта жаңартылуда", "Building under reconstruction"), FLAG),
    f("grating_gap_mm", MM, L("Просвет ячеек решётки", "Тор ұяшықтарының саңылауы", "Grating opening width"), TAPE, hi=500),
    f("turnstile_width_mm", MM, L("Ширина турникета в свету", "Турникеттің таза ені", "Turnstile clear width"), TAPE, hi=5000),
    f("has_tambour", "flag", L("Есть тамбур", "Тамбур бар", "Has a vestibule"), FLAG),
    f("has_grating", "flag", L("Есть решётка в полу", "Еденде тор бар", "Has a floor grating"), FLAG),
    f("has_turnstile", "flag", L("Есть турникет или контроль", "Турникет немесе бақылау бар", "Has a turnstile or gate"), FLAG),
])
K["ramp"] = ("entrance", L("Пандус", "Пандус", "Ramp"), True, [
    f("rise_mm", MM, L("Высота подъёма", "Көтерілу биіктігі", "Rise"), L("От нижней до верхней площадки, по вертикали", "Төменгі алаңнан жоғарғысына дейін, тігінен", "Vertically, from the lower to the upper landing"), hi=10000),
    f("run_mm", MM, L("Длина марша", "Марш ұзындығы", "Run (length)"), L("По горизонтали, без площадок", "Көлденеңінен, алаңдарсыз", "Horizontally, without landings"), hi=100000),
    f("slope_permille", "permille", L("Уклон (если измерен уклономером)", "Еңіс (еңісөлшегішпен өлшенсе)", "Slope (if measured with a level)"), L("Если высоту и длину измерить нельзя", "Биіктігі мен ұзындығын өлшеу мүмкін болмаса", "When rise and run cannot be measured")),
    f("width_mm", MM, L("Ширина", "Ені", "Width"), L("В свету между поручнями", "Тұтқалар арасында таза", "Clear, between handrails"), hi=10000),
    f("cross_slope_permille", "permille", L("Поперечный уклон", "Көлденең еңіс", "Cross slope"), L("Уклономером поперёк марша", "Маршқа көлденең еңісөлшегішпен", "With a level across the run")),
    f("handrails_both_sides", "flag", L("Поручни с обеих сторон", "Екі жағында тұтқа", "Handrails on both sides"), FLAG, photo=True),
    f("handrail_height_mm", MM, L("Высота поручня", "Тұтқа биіктігі", "Handrail height"), L("От поверхности марша до верха поручня", "Марш бетінен тұтқаның үстіне дейін", "From the ramp surface to the top of the rail"), hi=2000),
    f("landing_length_mm", MM, L("Длина промежуточной площадки", "Аралық алаң ұзындығы", "Intermediate landing length"), TAPE, hi=20000),
    f("cramped_site", "flag", L("Затеснённое место", "Тар орын", "Cramped site"), L("Отмечается только при стеснённых условиях", "Тек тар жағдайда белгіленеді", "Mark only where space is genuinely cramped")),
    f("upstand_height_mm", MM, L("Высота бортика", "Бортик биіктігі", "Edge upstand height"), TAPE, hi=1000),
    f("handrail_extension_mm", MM, L("Продолжение поручня", "Тұтқаның жалғасы", "Handrail extension"), L("За верхней и нижней точкой", "Жоғарғы және төменгі нүктеден кейін", "Beyond the top and bottom"), hi=2000),
    f("handrail_wall_gap_mm", MM, L("Зазор поручня до стены", "Тұтқа мен қабырға арасы", "Gap between handrail and wall"), TAPE, hi=500),
    f("handrail_diameter_mm", MM, L("Диаметр поручня", "Тұтқа диаметрі", "Handrail diameter"), L("Штангенциркулем", "Штангенциркульмен", "With a calliper"), hi=200),
    f("end_landing_depth_mm", MM, L("Глубина верхней и нижней площадки", "Жоғарғы және төменгі алаң тереңдігі", "Top and bottom landing depth"), TAPE, hi=20000),
])
K["stairs"] = ("paths_inside", L("Лестница", "Баспалдақ", "Stairs"), True, [
    f("riser_height_mm", MM, L("Высота ступени", "Баспалдақ биіктігі", "Riser height"), L("Самой высокой ступени", "Ең биік баспалдақтың", "Of the highest step"), hi=1000),
    f("tread_depth_mm", MM, L("Глубина проступи", "Басқыш тереңдігі", "Tread depth"), L("Самой узкой проступи", "Ең тар басқыштың", "Of the shallowest tread"), hi=1000),
    f("step_count", "count", L("Число ступеней", "Баспалдақ саны", "Number of steps"), L("В одном марше", "Бір маршта", "In one flight"), hi=200),
    f("handrails_both_sides", "flag", L("Поручни с обеих сторон", "Екі жағында тұтқа", "Handrails on both sides"), FLAG, photo=True),
    f("contrast_edges", "flag", L("Контрастные края первой и последней ступени", "Бірінші және соңғы баспалдақтың контрастты жиектері", "Contrasting edges on the first and last steps"), FLAG, photo=True),
    f("outdoor", "flag", L("Наружная (открытая) лестница", "Сыртқы (ашық) баспалдақ", "Outdoor (open) stairs"), FLAG),
    f("flight_width_mm", MM, L("Ширина марша", "Марш ені", "Flight width"), TAPE, hi=20000),
    f("tread_cross_slope_permille", "permille", L("Поперечный уклон ступеней", "Баспалдақтардың көлденең еңісі", "Tread cross slope"), L("Уклономером", "Еңісөлшегішпен", "With a level")),
    f("nosing_radius_mm", MM, L("Радиус закругления ребра ступени", "Баспалдақ қырының дөңгелектену радиусы", "Nosing radius"), TAPE, hi=500),
])
K["door"] = ("entrance", L("Дверь", "Есік", "Door"), True, [
    f("clear_width_mm", MM, L("Ширина в свету", "Таза ені", "Clear width"), L("При открытой на 90° створке", "Жармасы 90° ашық кезде", "With the leaf open at 90°"), hi=5000),
    f("threshold_mm", MM, L("Высота порога", "Табалдырық биіктігі", "Threshold height"), TAPE, hi=500),
    f("glass_marked", "flag", L("Стеклянная дверь с контрастной маркировкой", "Шыны есікте контрастты белгі", "Glass door with contrasting marking"), FLAG),
    f("automatic", "flag", L("Автоматическая дверь", "Автоматты есік", "Automatic door"), FLAG),
    f("glazed", "flag", L("Прозрачное полотно", "Мөлдір жарма", "Transparent leaf"), FLAG),
    f("marking_height_mm", MM, L("Высота маркировки на стекле", "Шыныдағы белгінің биіктігі", "Height of the glass marking"), L("От пола до маркировки", "Еденнен белгіге дейін", "From the floor to the marking"), hi=3000),
    f("hold_open_s", "count", L("Задержка закрывания, с", "Жабылу кідірісі, с", "Hold-open time, s"), L("Секундомером", "Секундомермен", "With a stopwatch"), hi=600),
    f("handle_height_mm", MM, L("Высота ручки", "Тұтқа биіктігі", "Handle height"), TAPE, hi=3000),
    f("space_depth_mm", MM, L("Глубина площадки перед дверью", "Есік алдындағы алаң тереңдігі", "Clear space depth before the door"), TAPE, hi=10000),
    f("space_width_mm", MM, L("Ширина площадки перед дверью", "Есік алдындағы алаң ені", "Clear space width before the door"), TAPE, hi=10000),
    f("opens_towards_user", "flag", L("Открывается «к себе»", "«Өзіне қарай» ашылады", "Opens towards the user"), FLAG),
])
K["tactile_navigation"] = ("information", L("Тактильная навигация", "Тактильді навигация", "Tactile navigation"), True, [
    f("present", "flag", L("Есть", "Бар", "Present"), FLAG, photo=True),
    f("distance_to_stairs_mm", MM, L("Расстояние до лестницы", "Баспалдаққа дейінгі қашықтық", "Distance to the stairs"), L("От края полосы до первой ступени", "Жолақ жиегінен бірінші баспалдаққа дейін", "From the strip's edge to the first step"), hi=10000),
    f("strip_depth_mm", MM, L("Ширина полосы", "Жолақ ені", "Strip depth"), L("По направлению движения", "Жүру бағытымен", "In the direction of travel"), hi=5000),
    f("contrasting", "flag", L("Контрастна к покрытию", "Жабынмен контрастты", "Contrasts with the surface"), FLAG),
])
K["lift"] = ("paths_inside", L("Лифт", "Лифт", "Lift"), True, [
    f("cabin_width_mm", MM, L("Ширина кабины", "Кабина ені", "Cabin width"), L("Внутри", "Ішінде", "Inside"), hi=5000),
    f("cabin_depth_mm", MM, L("Глубина кабины", "Кабина тереңдігі", "Cabin depth"), L("Внутри", "Ішінде", "Inside"), hi=5000),
    f("door_clear_width_mm", MM, L("Ширина двери в свету", "Есіктің таза ені", "Door clear width"), TAPE, hi=5000),
    f("braille_buttons", "flag", L("Кнопки со шрифтом Брайля", "Брайль қарпі бар түймелер", "Buttons with Braille"), FLAG, photo=True),
    f("voice_announcement", "flag", L("Голосовое оповещение этажей", "Қабаттарды дауыспен хабарлау", "Spoken floor announcements"), FLAG),
    f("call_button_height_mm", MM, L("Высота кнопки вызова", "Шақыру түймесінің биіктігі", "Call button height"), TAPE, hi=3000),
    f("visual_floor_indicator", "flag", L("Световое табло этажей", "Қабаттардың жарық таблосы", "Visual floor indicator"), FLAG),
    f("handrail_height_mm", MM, L("Высота поручня в кабине", "Кабинадағы тұтқа биіктігі", "Cabin handrail height"), TAPE, hi=2000),
])
K["corridor"] = ("paths_inside", L("Коридор", "Дәліз", "Corridor"), False, [
    f("width_mm", MM, L("Ширина", "Ені", "Width"), L("В самом узком месте", "Ең тар жерінде", "At its narrowest"), hi=20000),
    f("turning_diameter_mm", MM, L("Зона разворота", "Бұрылу аймағы", "Turning space"), L("Диаметр свободного круга", "Бос шеңбер диаметрі", "Diameter of the free circle"), hi=10000),
    f("protruding_objects", "flag", L("Выступающие предметы на пути", "Жолда шығыңқы заттар", "Protruding objects on the way"), FLAG, photo=True),
    f("protrusion_depth_mm", MM, L("Выступ предметов со стены", "Заттардың қабырғадан шығуы", "Protrusion from the wall"), L("На высоте 0,7–2,0 м", "0,7–2,0 м биіктікте", "Between 0.7 and 2.0 m high"), hi=2000),
])
K["toilet"] = ("sanitary", L("Туалет", "Дәретхана", "Toilet"), True, [
    f("cubicle_width_mm", MM, L("Ширина кабины", "Кабина ені", "Cubicle width"), TAPE, hi=10000),
    f("cubicle_depth_mm", MM, L("Глубина кабины", "Кабина тереңдігі", "Cubicle depth"), TAPE, hi=10000),
    f("door_clear_width_mm", MM, L("Ширина двери в свету", "Есіктің таза ені", "Door clear width"), TAPE, hi=5000),
    f("grab_bars_both_sides", "flag", L("Поручни с обеих сторон унитаза", "Унитаздың екі жағында тұтқа", "Grab bars on both sides of the WC"), FLAG, photo=True),
    f("door_opens_outward", "flag", L("Дверь открывается наружу", "Есік сыртқа ашылады", "Door opens outward"), FLAG),
    f("basin_height_mm", MM, L("Высота верха умывальника", "Қолжуғыштың жоғарғы жиегінің биіктігі", "Washbasin rim height"), TAPE, hi=2000),
    f("alarm_button_height_mm", MM, L("Высота кнопки экстренной помощи", "Шұғыл көмек түймесінің биіктігі", "Emergency button height"), TAPE, hi=3000),
    f("alarm_button_contrast", "flag", L("Кнопка вызова помощи контрастна со стеной", "Көмек шақыру түймесі қабырғамен контрастты", "Emergency button contrasts with the wall"), FLAG),
])
K["signage"] = ("information", L("Указатели", "Көрсеткіштер", "Signage"), True, [
    f("contrast_text", "flag", L("Контрастный крупный текст", "Контрастты ірі мәтін", "Large contrasting text"), FLAG, photo=True),
    f("tactile_braille", "flag", L("Рельефный текст или Брайль", "Бедерлі мәтін немесе Брайль", "Raised text or Braille"), FLAG),
    f("mount_height_mm", MM, L("Высота размещения", "Орналасу биіктігі", "Mounting height"), L("От пола до центра знака", "Еденнен белгі ортасына дейін", "From the floor to the sign's centre"), hi=5000),
    f("letter_height_mm", MM, L("Высота прописных букв", "Бас әріптердің биіктігі", "Capital letter height"), TAPE, hi=2000),
])
K["service_counter"] = ("service", L("Стойка обслуживания", "Қызмет көрсету үстелі", "Service counter"), True, [
    f("counter_height_mm", MM, L("Высота стойки", "Үстел биіктігі", "Counter height"), L("Самого низкого участка", "Ең аласа бөлігінің", "Of the lowest section"), hi=2000),
    f("knee_clearance_mm", MM, L("Высота пространства для коленей", "Тізе кеңістігінің биіктігі", "Knee clearance height"), TAPE, hi=2000),
    f("induction_loop", "flag", L("Индукционная петля", "Индукциялық ілмек", "Induction loop"), FLAG),
])
K["information_communication"] = ("information", L("Информация и связь", "Ақпарат және байланыс", "Information and communication"), False, [
    f("visual_alarm", "flag", L("Световая сигнализация тревоги", "Жарық дабылы", "Visual alarm"), FLAG),
    f("audio_information", "flag", L("Звуковое информирование", "Дыбыстық ақпарат", "Audio information"), FLAG),
    f("induction_loop", "flag", L("Индукционная петля", "Индукциялық ілмек", "Induction loop"), FLAG),
    f("easy_read", "flag", L("Информация в простом изложении", "Жеңіл оқылатын ақпарат", "Easy-read information"), FLAG),
    f("hearing_place_distance_mm", MM, L("Места для слабослышащих: расстояние до источника звука", "Естуі нашар адамдар орны: дыбыс көзіне дейін", "Places for hard-of-hearing people: distance to the sound source"), TAPE, hi=100000),
    f("hall_seats", "count", L("Мест в зале (стационарных)", "Залдағы орындар (тұрақты)", "Fixed seats in the hall"), L("Если в здании есть зал", "Ғимаратта зал болса", "Where the building has a hall"), hi=100000),
    f("listening_seats", "count", L("Мест с системой индивидуального прослушивания", "Жеке тыңдау жүйесі бар орындар", "Seats with assistive listening"), L("Индукционная петля, ИК или радиосистема", "Индукциялық ілмек, ИҚ немесе радиожүйе", "Induction loop, infrared or radio system"), hi=100000),
])

here = os.path.dirname(os.path.abspath(__file__))
for kind, (zone, title, photo, fields) in K.items():
    with open(os.path.join(here, f"{kind}.json"), "w") as fh:
        json.dump({"kind": kind, "zone": zone, "title": title, "photo_expected": photo, "fields": fields}, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
print(len(K), "checklists")
