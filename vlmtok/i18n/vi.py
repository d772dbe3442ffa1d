"""Vietnamese (Tiếng Việt): every key of the English catalogue, translated.

Keys are dotted by the part of vlmtok that uses them. Values are ``str.format`` templates.
"""

MESSAGES: dict[str, str] = {
    "language.name": "Tiếng Việt",

    # --- app: the page, its controls and status lines (vlmtok.app, app.py)
    "app.describe": "Mô tả",
    "app.credit": "{title}, tác giả {artist}. Ảnh: {license}",

    # --- images: intake errors (vlmtok.images)

    # --- encoders and weights (vlmtok.encoders)

    # --- smolvlm (vlmtok.smolvlm)

    # --- narrate: reasons, notices, offline wording (vlmtok.narrate)
    # why a narrator was chosen ({name}: the backend's display name)
    "narrate.reason.asked": "được chọn theo tên",
    "narrate.reason.no_module": "chưa cài trình mô tả {name}; dùng mô tả ngoại tuyến",
    "narrate.reason.unavailable": "{name} không dùng được ({why}); dùng mô tả ngoại tuyến",
    "narrate.reason.failed": "không khởi động được {name}; dùng mô tả ngoại tuyến",
    "narrate.reason.available": "{name} sẵn sàng ({why})",
    "narrate.reason.no_backend": "không có trình mô tả nào khác; dùng mô tả ngoại tuyến",
    # the SmolVLM narrator's byline
    "narrate.smolvlm.label": "Mô tả do AI viết, {model}",
    # the translation stage
    "narrate.translate.machine": "Bản dịch máy từ tiếng Anh, có thể chưa chính xác.",
    "narrate.translate.no_model": "Không có mô hình dịch; nội dung được hiển thị bằng tiếng Anh.",
    "narrate.translate.failed": "Chưa có mô hình dịch; mô tả được hiển thị bằng tiếng Anh.",
    "narrate.translate.no_pair": "Không có mô hình dịch từ {source} sang {target}.",
    # the offline narrator: its first words (and, without the full stop, its byline)
    "narrate.offline.disclaimer": "Mô tả ngoại tuyến: chỉ nói về màu sắc và bố cục.",
    # offline: colour names (also a merged family's name)
    "narrate.offline.word.colour.red": "đỏ",
    "narrate.offline.word.colour.dark_red": "đỏ sẫm",
    "narrate.offline.word.colour.pink": "hồng",
    "narrate.offline.word.colour.orange": "cam",
    "narrate.offline.word.colour.brown": "nâu",
    "narrate.offline.word.colour.dark_brown": "nâu sẫm",
    "narrate.offline.word.colour.beige": "be",
    "narrate.offline.word.colour.cream": "kem",
    "narrate.offline.word.colour.yellow": "vàng",
    "narrate.offline.word.colour.pale_yellow": "vàng nhạt",
    "narrate.offline.word.colour.olive": "xanh ô liu",
    "narrate.offline.word.colour.green": "xanh lá",
    "narrate.offline.word.colour.dark_green": "xanh lá đậm",
    "narrate.offline.word.colour.light_green": "xanh lá nhạt",
    "narrate.offline.word.colour.teal": "xanh ngọc",
    "narrate.offline.word.colour.dark_teal": "xanh ngọc đậm",
    "narrate.offline.word.colour.turquoise": "xanh ngọc nhạt",
    "narrate.offline.word.colour.blue": "xanh dương",
    "narrate.offline.word.colour.dark_blue": "xanh dương đậm",
    "narrate.offline.word.colour.light_blue": "xanh dương nhạt",
    "narrate.offline.word.colour.purple": "tím",
    "narrate.offline.word.colour.dark_purple": "tím sẫm",
    "narrate.offline.word.colour.lilac": "tím nhạt",
    "narrate.offline.word.colour.black": "đen",
    "narrate.offline.word.colour.dark_grey": "xám đậm",
    "narrate.offline.word.colour.grey": "xám",
    "narrate.offline.word.colour.light_grey": "xám nhạt",
    "narrate.offline.word.colour.white": "trắng",
    # offline: where something is ({at}: in place, {to}: a direction)
    "narrate.offline.word.at.top": "phía trên",
    "narrate.offline.word.at.bottom": "phía dưới",
    "narrate.offline.word.at.left": "bên trái",
    "narrate.offline.word.at.right": "bên phải",
    "narrate.offline.word.at.top_left": "góc trên bên trái",
    "narrate.offline.word.at.top_right": "góc trên bên phải",
    "narrate.offline.word.at.bottom_left": "góc dưới bên trái",
    "narrate.offline.word.at.bottom_right": "góc dưới bên phải",
    "narrate.offline.word.at.centre": "chính giữa",
    "narrate.offline.word.to.top": "phía trên",
    "narrate.offline.word.to.bottom": "phía dưới",
    "narrate.offline.word.to.left": "bên trái",
    "narrate.offline.word.to.right": "bên phải",
    "narrate.offline.word.to.top_left": "góc trên bên trái",
    "narrate.offline.word.to.top_right": "góc trên bên phải",
    "narrate.offline.word.to.bottom_left": "góc dưới bên trái",
    "narrate.offline.word.to.bottom_right": "góc dưới bên phải",
    "narrate.offline.word.to.centre": "chính giữa",
    # offline: words that fill the sentences (a key + ".child" is what a child hears, where it differs)
    "narrate.offline.word.format.landscape": "khổ ngang",
    "narrate.offline.word.format.landscape.child": "nằm ngang",
    "narrate.offline.word.format.portrait": "khổ dọc",
    "narrate.offline.word.format.portrait.child": "đứng",
    "narrate.offline.word.format.square": "khổ vuông",
    "narrate.offline.word.format.square.child": "vuông",
    "narrate.offline.word.light_alt.dark": "nhìn chung tối",
    "narrate.offline.word.light_alt.fairly_dark": "nhìn chung khá tối",
    "narrate.offline.word.light_alt.mid": "độ sáng vừa phải",
    "narrate.offline.word.light_alt.fairly_bright": "nhìn chung khá sáng",
    "narrate.offline.word.light_alt.bright": "nhìn chung sáng",
    "narrate.offline.word.light.dark": "tối",
    "narrate.offline.word.light.dark.child": "tối",
    "narrate.offline.word.light.fairly_dark": "khá tối",
    "narrate.offline.word.light.fairly_dark.child": "khá tối",
    "narrate.offline.word.light.mid": "có độ sáng vừa phải",
    "narrate.offline.word.light.mid.child": "không quá tối cũng không quá sáng",
    "narrate.offline.word.light.fairly_bright": "khá sáng",
    "narrate.offline.word.light.fairly_bright.child": "khá sáng",
    "narrate.offline.word.light.bright": "sáng",
    "narrate.offline.word.light.bright.child": "rất sáng",
    "narrate.offline.word.contrast.low": "thấp",
    "narrate.offline.word.contrast.low.child": ", ánh sáng dịu và đều",
    "narrate.offline.word.contrast.moderate": "ở mức vừa phải",
    "narrate.offline.word.contrast.moderate.child": "",
    "narrate.offline.word.contrast.high": "cao",
    "narrate.offline.word.contrast.high.child": ", có những chỗ sáng nằm ngay cạnh những chỗ tối",
    "narrate.offline.word.share.almost_all": "gần như toàn bộ",
    "narrate.offline.word.share.most": "phần lớn",
    "narrate.offline.word.share.half": "khoảng một nửa",
    "narrate.offline.word.share.third": "khoảng một phần ba",
    "narrate.offline.word.share.quarter": "khoảng một phần tư",
    "narrate.offline.word.share.fifth": "khoảng một phần năm",
    "narrate.offline.word.share.sixth": "khoảng một phần sáu",
    "narrate.offline.word.share.tenth": "khoảng một phần mười",
    "narrate.offline.word.share.small": "một phần nhỏ",
    "narrate.offline.word.and": "{first} và {last}",
    "narrate.offline.word.decimal_point": ",",
    "narrate.offline.word.mostly": "chủ yếu là màu {c}",
    "narrate.offline.word.mostly_all": "gần như toàn màu {c}",
    # offline: sentences (capitalised in code when they open with a placeholder)
    "narrate.offline.alt": "Bức tranh {fmt}, {mostly}; {light_alt}, {focus}.",
    "narrate.offline.alt.child": "Một bức tranh {fmt} có nhiều màu {top2}. Bức tranh {light}, và {focus}.",
    "narrate.offline.alt_focus": "điểm nhấn nằm ở {at}",
    "narrate.offline.alt_focus.child": "mắt em sẽ nhìn về {to}",
    "narrate.offline.alt_focus_spread": "không có điểm nhấn riêng",
    "narrate.offline.alt_focus_spread.child": "chỗ nào cũng có điều để ngắm",
    "narrate.offline.alt_compact": "{Mostly}; {light_alt}.",
    "narrate.offline.label": "Nhãn của bảo tàng ghi: “{label}”.",
    "narrate.offline.colours_one": "Bức tranh {fmt} này gần như toàn màu {c1}.",
    "narrate.offline.colours_one.child": "Bức tranh {fmt} này gần như chỉ có màu {c1}.",
    "narrate.offline.colours_lead": "Bức tranh {fmt} này chủ yếu là màu {c1} ({share1}){with_rest}.",
    "narrate.offline.colours_lead.child": "Màu nhiều nhất trong bức tranh {fmt} này là màu {c1}{with_rest}.",
    "narrate.offline.colours_mix": "Các màu chính của bức tranh {fmt} này là {all}.",
    "narrate.offline.colours_mix.child": "Bức tranh {fmt} này có nhiều màu: {all}.",
    "narrate.offline.with_rest": ", cùng với {rest}",
    "narrate.offline.with_rest.child": ", và em còn tìm thấy cả {rest} nữa",
    "narrate.offline.colours_pct": "Màu {c1} chiếm {share1} bức tranh ({pct1}%){followed}.",
    "narrate.offline.followed": ", tiếp theo là {rest_pct}",
    "narrate.offline.shades": "Các sắc {family} trải từ {darkest} đến {lightest}.",
    "narrate.offline.format_landscape": "Bức tranh có khổ ngang, chiều rộng gấp khoảng {ratio} lần chiều cao.",
    "narrate.offline.format_landscape.child": "Bức tranh rộng hơn cao, giống như một ô cửa sổ.",
    "narrate.offline.format_portrait": "Bức tranh có khổ dọc, chiều cao gấp khoảng {ratio} lần chiều rộng.",
    "narrate.offline.format_portrait.child": "Bức tranh cao hơn rộng, giống như một cánh cửa.",
    "narrate.offline.format_square": "Bức tranh có khổ vuông.",
    "narrate.offline.format_square.child": "Bức tranh vuông vức, giống như một chiếc hộp.",
    "narrate.offline.light": "Nhìn chung bức tranh {light}, độ tương phản giữa vùng sáng và vùng tối {contrast}.",
    "narrate.offline.light.child": "Bức tranh {light}{contrast}.",
    "narrate.offline.temp_warm": "Bảng màu mang tông ấm{leaning}.",
    "narrate.offline.temp_warm.child": "Các màu trông thật ấm áp, như ánh nắng hay ngọn lửa.",
    "narrate.offline.temp_cool": "Bảng màu mang tông lạnh{leaning}.",
    "narrate.offline.temp_cool.child": "Các màu trông mát lạnh, như nước hay bầu trời đêm.",
    "narrate.offline.temp_mixed": "Màu ấm và màu lạnh đan xen nhau.",
    "narrate.offline.temp_mixed.child": "Màu ấm và màu lạnh ở cạnh nhau.",
    "narrate.offline.temp_neutral": "Màu sắc trầm, gần với các sắc xám.",
    "narrate.offline.temp_neutral.child": "Các màu dịu và hơi xám.",
    "narrate.offline.leaning": ", thiên về {fams}",
    "narrate.offline.focus": "Điểm nhấn thị giác nằm ở {at}.",
    "narrate.offline.focus.child": "Mắt em sẽ bị thu hút về {to}.",
    "narrate.offline.focus_spread": "Sức nặng thị giác trải đều khắp bức tranh, không có điểm nhấn riêng.",
    "narrate.offline.focus_spread.child": "Chỗ nào cũng có điều thú vị để ngắm.",
    "narrate.offline.focus_how": "Xét theo những chỗ màu sắc nổi bật và ánh sáng thay đổi nhiều nhất, điểm nhấn thị "
                                 "giác nằm ở {at}.",
    "narrate.offline.focus_how_spread": "Xét theo những chỗ màu sắc nổi bật và ánh sáng thay đổi nhiều nhất, sức nặng "
                                        "thị giác trải đều khắp bức tranh, không có điểm nhấn riêng.",
    "narrate.offline.extremes": "Vùng sáng nhất nằm ở {at}, còn vùng tối nhất ở {at2}.",
    "narrate.offline.extremes.child": "Em có tìm thấy chỗ sáng nhất không? Hãy nhìn về {to} nhé.",
    "narrate.offline.count": "Bức tranh dùng ít nhất {n} màu khác hẳn nhau.",
    "narrate.offline.count.child": "Em thử đếm xem có bao nhiêu màu nhé: ít nhất là {n} màu.",
    "narrate.offline.busy_calm": "Bố cục tĩnh lặng, với những mảng lớn và đều.",
    "narrate.offline.busy_calm.child": "Bức tranh trông yên bình, với những mảng màu lớn và mịn.",
    "narrate.offline.busy_moderate": "Bố cục có lượng chi tiết vừa phải.",
    "narrate.offline.busy_moderate.child": "Bức tranh có một vài chi tiết, nhưng không quá nhiều.",
    "narrate.offline.busy_busy": "Bố cục dày đặc, nhiều đường nét và chi tiết nhỏ.",
    "narrate.offline.busy_busy.child": "Có thật nhiều đường nét và chi tiết nhỏ để em khám phá.",
    "narrate.offline.limits": "Mô tả này không thể cho biết bức tranh vẽ gì hay vẽ ai; muốn biết, hãy hỏi hướng dẫn "
                              "viên hoặc đọc nhãn của bảo tàng.",
    "narrate.offline.limits.child": "Mô tả này chỉ biết về màu sắc và hình khối, nên em hãy hỏi hướng dẫn viên xem "
                                    "bức tranh vẽ gì nhé!",
    # offline: answers to follow-up questions
    "narrate.offline.cannot": "Mô tả ngoại tuyến chỉ đo được màu sắc, ánh sáng và bố cục, nên không thể trả lời câu "
                              "hỏi này từ bức tranh.",
    "narrate.offline.cannot.child": "Mô tả này chỉ biết về màu sắc và hình khối, nên không trả lời được câu này. Em "
                                    "hãy hỏi hướng dẫn viên nhé!",
    "narrate.offline.can_say": "Những gì có thể nói: {alt}",
    "narrate.offline.colour_yes": "Màu {c} chiếm {share} bức tranh ({pct}%), chủ yếu ở {at}.",
    "narrate.offline.colour_all_over": "Màu {c} chiếm {share} bức tranh ({pct}%), trải khắp bức tranh.",
    "narrate.offline.colour_little": "Chỉ có một chút màu {c}, chủ yếu ở {at}.",
    "narrate.offline.colour_none": "Bức tranh gần như không có màu {c}.",
    "narrate.offline.region": "Ở {at}, bức tranh {light}, chủ yếu là màu {top2}.",
    "narrate.offline.label_only": "Mọi thông tin về tác giả, tên tranh hay niên đại đều lấy từ nhãn đó.",

    # --- speech (vlmtok.speech)
    # notices for the visitor
    "speech.unavailable": "Hiện không phát được âm thanh; nội dung được hiển thị ở trên.",
    "speech.offline_voice": "Không kết nối được giọng đọc trực tuyến, nên một giọng đọc ngoại tuyến đang đọc.",
    "speech.other_voice": "Giọng đọc đã chọn không dùng được, nên một giọng đọc khác đang đọc.",

    # --- guard: busy, timeouts (vlmtok.guard)

    # --- visualize: words drawn into pictures (vlmtok.visualize)

    # --- cli (vlmtok.cli)
}
