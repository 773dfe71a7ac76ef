"""The reason-code catalogue. Wording rules: specific, plain, no blame, and always the way back."""

from django.db import migrations

REASON_CODES = [
    (
        "score_drop",
        "信用评分下降",
        "Your credit score fell",
        "您的信用评分比过去六个月的最高分明显下降。评分反映近期的借款和还款情况，下降意味着我们需要更谨慎地评估额度。",
        "Your credit score is clearly lower than its highest point in the last six months. The score reflects recent "
        "borrowing and repayment, so a fall means we need to be more careful with your limit.",
        "按时偿还所有借款，减少新的借款申请。评分回升并保持稳定后，您可以申请恢复额度，或对本次决定提出申诉。",
        "Repay every loan on time and apply for less new credit. Once your score recovers and stays stable, you can ask "
        "for your limit back, or appeal this decision.",
        "what-moves-a-credit-score",
    ),
    (
        "linked_overdue",
        "关联账户逾期",
        "A linked account is overdue",
        "您在本机构或合作机构的另一个借款账户有逾期未还的款项。",
        "Another loan account of yours, with us or a partner lender, has a payment that is past due.",
        "尽快还清逾期款项。如果您认为该逾期记录有误（例如已经还款），请提出申诉并说明情况，我们会核实。",
        "Pay the overdue amount as soon as you can. If you believe the record is wrong (for example you already "
        "paid), appeal and tell us; we will check it.",
        "repaying-on-time",
    ),
    (
        "high_borrowing_frequency",
        "借款过于频繁",
        "Borrowing very often",
        "近期您借款的次数明显多于平时。频繁借款常常意味着资金压力在增加。",
        "You have recently borrowed much more often than usual. Frequent borrowing often means money is getting tight.",
        "尽量合并需求、减少借款次数，并为意外开支留出应急资金。借款频率恢复正常后，额度可以重新评估。",
        "Try to borrow less often and keep an emergency fund for surprises. When your borrowing returns to its usual "
        "pace, your limit can be reviewed again.",
        "the-cost-of-borrowing-often",
    ),
    (
        "slow_repayment",
        "还款速度放缓",
        "Repayments have slowed",
        "最近几期还款比以往更接近或晚于到期日。",
        "Your recent repayments have come closer to, or after, their due dates than before.",
        "设置自动还款或提醒，在到期日前还款。连续几期按时还款后，额度可以重新评估。",
        "Set up automatic repayment or reminders and pay before the due date. After a few on-time payments, your "
        "limit can be reviewed again.",
        "repaying-on-time",
    ),
    (
        "macro_tightening",
        "整体信贷环境收紧",
        "Wider credit conditions tightened",
        "由于整体经济和信贷环境变化，我们对一部分客户的额度进行了调整。这不是针对您个人还款表现的判断。",
        "Because of wider economic and credit conditions, we adjusted limits for a group of customers. This is not a "
        "judgement of your own repayment record.",
        "保持良好的还款记录。环境好转后我们会重新评估额度；如有特殊情况，您也可以提出申诉。",
        "Keep up a good repayment record. We will review limits when conditions improve; if your situation is "
        "special, you can also appeal.",
        "how-limits-are-set",
    ),
    (
        "borrower_request",
        "您本人的申请",
        "Your own request",
        "额度按照您本人的申请进行了调整。",
        "Your limit was changed because you asked for it.",
        "如果您改变主意，可以在冷静期内撤回申请，或之后申请重新评估额度。",
        "If you change your mind, you can withdraw the request during the cooling-off period, or later ask for your "
        "limit to be reviewed.",
        "how-closing-or-lowering-works",
    ),
    (
        "agreement_violation",
        "违反借款协议",
        "The loan agreement was not followed",
        "我们发现账户的使用方式违反了借款协议中的条款，例如将借款用于协议禁止的用途。",
        "We found the account was used in a way the loan agreement does not allow, for example for a prohibited "
        "purpose.",
        "请联系客服了解具体条款。如果您认为判断有误，请提出申诉并提供说明或证明材料。",
        "Contact customer service to learn which term applies. If you believe this is wrong, appeal and give us your "
        "explanation or evidence.",
        "how-to-appeal-a-decision",
    ),
    (
        "malicious_overdue",
        "长期逾期且未沟通",
        "Long overdue without contact",
        "账户长期逾期，并且我们多次联系未获回应。",
        "The account has been overdue for a long time and our repeated attempts to contact you went unanswered.",
        "请尽快联系客服商量还款计划。如果您遇到了困难（如疾病、失业），请在申诉中说明，我们会考虑您的情况。",
        "Please contact customer service soon to agree a repayment plan. If you faced hardship (such as illness or job "
        "loss), tell us in an appeal and we will take it into account.",
        "how-to-appeal-a-decision",
    ),
    (
        "fraud_suspicion",
        "疑似欺诈风险",
        "Possible fraud on the account",
        "账户出现了与欺诈相似的异常活动。为了保护您的资金和信用，我们暂时采取了限制措施。",
        "The account showed unusual activity that looks like fraud. To protect your money and credit, we limited it "
        "for now.",
        "如果这些活动不是您本人所为，请立即修改密码并联系客服；如果是您本人所为，请提出申诉说明情况。",
        "If this activity was not you, change your password and contact customer service at once; if it was you, "
        "appeal and explain.",
        "spotting-loan-fraud",
    ),
    (
        "appeal_outcome",
        "申诉结果",
        "Outcome of your appeal",
        "额度根据您申诉的审理结果进行了调整。",
        "Your limit was changed as the result of your appeal.",
        "如对结果仍有异议，可以申请二次复核，或向金融监管部门投诉。",
        "If you still disagree, you can ask for a second-level review or complain to the financial regulator.",
        "how-to-appeal-a-decision",
    ),
]


def load(apps, schema_editor):
    ReasonCode = apps.get_model("accounts", "ReasonCode")
    for code, title_zh, title_en, explanation_zh, explanation_en, remedy_zh, remedy_en, article in REASON_CODES:
        ReasonCode.objects.update_or_create(
            code=code,
            defaults={
                "title_zh": title_zh,
                "title_en": title_en,
                "explanation_zh": explanation_zh,
                "explanation_en": explanation_en,
                "remedy_zh": remedy_zh,
                "remedy_en": remedy_en,
                "article_slug": article,
            },
        )


def unload(apps, schema_editor):
    apps.get_model("accounts", "ReasonCode").objects.filter(code__in=[row[0] for row in REASON_CODES]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_credit_domain")]
    operations = [migrations.RunPython(load, unload)]
