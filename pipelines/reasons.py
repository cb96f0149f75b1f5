"""Reject reasons: a stable code and the Chinese text a clerk can act on.

Templates take ``{}`` placeholders filled per row (by ``pl.format``) in order.
"""

from __future__ import annotations

DATE_FORMS = "2025-03-05、2025/3/5、2025.3.5、2025年3月5日、20250305 或 Excel 日期，时间可写 14:30、14:30:00、14时30分"

REASONS: dict[str, str] = {
    "missing_required": "缺少必填项“{}”，请补填后重新报送",
    "bad_date": "“{}”的值“{}”不是可识别的日期，可写作 " + DATE_FORMS,
    "bad_integer": "“{}”应为整数，现为“{}”",
    "bad_number": "“{}”应为数字，现为“{}”",
    "negative_number": "“{}”不能为负数，现为“{}”",
    "number_too_large": "“{}”的值“{}”超出合理范围（最大{}）：请核对是否多写了位数、填错了列，或把多场活动合在了一行",
    "date_too_early": "“{}”的值“{}”早于{}年，不是可接受的日期：请检查年份是否写错",
    "date_too_late": "“{}”的值“{}”晚于{}年（数据截止年份之后{}年以上），不是可接受的日期：请检查年份是否写错",
    "bad_enum": "“{}”的值“{}”不在允许范围内，可填：{}",
    "unknown_category": "服务类别“{}”不在允许范围内，可填：{}（也可使用常见别名，如“宣讲”“义诊”）",
    "bad_division_code": "“{}”应为12位数字的统计用区划代码，现为“{}”",
    "bad_serves": "“服务村居”中的“{}”不是12位区划代码；多个村居用分号、顿号或逗号分隔",
    "serves_not_station": "只有“站”可以填写“服务村居”，本行层级为“{}”",
    "bad_bool": "“{}”应填“是”或“否”，现为“{}”",
    "bad_coordinates": "经纬度应同时填写且位于中国境内（经度73.5–135.1，纬度3.8–53.6），现为经度“{}”、纬度“{}”",
    "missing_parent": "层级为“{}”的阵地必须填写“上级编码”",
    "unknown_parent": "上级编码“{}”不存在：请先在阵地表中登记该上级阵地（或检查编码是否写错）",
    "bad_parent_level": "“{}”的上级不能是“{}”，应为：{}",
    "unknown_unit": "“{}”中的阵地编码“{}”不存在：请先在阵地表中登记该阵地",
    "unit_rejected": "阵地编码“{}”的阵地记录本身被退回了（原因见阵地表的退回清单）：修正该阵地后重新报送，本行会一并入库",
    "parent_rejected": "上级编码“{}”的阵地记录本身被退回了（原因见阵地表的退回清单）：修正上级阵地后重新报送，本行会一并入库",
    "activity_rejected": "活动编码“{}”的活动记录本身被退回了（原因见活动台账的退回清单）：修正该活动后重新报送，本行会一并入库",
    "unknown_brand": "品牌项目编码“{}”不存在：请先在品牌项目表中登记",
    "unknown_order": "点单编号“{}”不存在：请先报送该点单记录",
    "order_source_mismatch": "填写了点单编号“{}”的活动，来源应为“群众点单”，现为“{}”",
    "start_after_as_of": "开始时间“{}”晚于数据截止时间 {}：未来的活动请在开展后再报送",
    "end_before_start": "结束时间“{}”早于开始时间“{}”",
    "end_too_late": "结束时间“{}”比开始时间“{}”晚了24小时以上：一场活动请分天登记",
    "bad_headcount": "“人数”应为不小于1的整数，现为“{}”",
    "headcount_with_person": "填写了参与者编号的行“人数”只能为1，现为“{}”：多人请分行登记或不填编号",
    "id_scientific": "{}“{}”被 Excel 存成了科学计数法，原来的号码已经丢失：请把该列设为“文本”格式后重新录入",
    "person_id_is_name": "参与者编号“{}”像是姓名：请改用编号（不得填写姓名、手机号或身份证号原文）",
    "unknown_activity": "活动编码“{}”不存在：请先在活动台账中登记该活动",
    "bad_score": "满意度“{}”无法识别：可填1–5分、★★★★☆ 或 非常满意/满意/基本满意/一般/不满意/非常不满意",
    "score_out_of_range": "满意度应为1–5分，现为“{}”",
    "rated_before_start": "评价时间“{}”早于活动开始时间“{}”",
    "times_out_of_order": "点单各环节时间应依次为 点单≤派单≤接单≤完成，本行为 点单“{}”、派单“{}”、接单“{}”、完成“{}”",
    "bad_target_value": "目标值应为大于0的数字（满意率可写 90% 或 0.9），现为“{}”",
    "bad_year": "年度应为四位年份，如 2025，现为“{}”",
    "conflict": "与已保留的记录（{} {}第{}行）编码相同但内容不同：{}。如新值正确，请在“数据导入与质量”页采用新值",
    "superseded": "已按人工决定改用 {} {}第{}行 的新值，本行不再计入",
    # defects of the file's row itself, found while reading (pipelines.read)
    "cell_too_long": "“{}”列的内容长达 {} 个字符，超过 Excel 单元格 32,767 个字符的上限（可能是误粘贴或文件损坏）：请改短该单元格后重新报送",
    "extra_cells": "本行比表头多出 {} 个有内容的单元格（从第{}列起），可能多写了逗号，或单元格里的逗号没有加引号，各列已错位：请核对本行后重新报送",
    "mixed_encoding": "本行混有其他编码（{}）的文字，与文件其余部分（{}）不一致，为免乱码已退回：请在 Excel/WPS 中把整个文件另存为“CSV UTF-8（逗号分隔）”后重新报送",
}


def reason(code: str) -> str:
    return REASONS[code]
