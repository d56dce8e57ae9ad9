"""A pediatric subset of ICD-10 (WHO 2019 codes; Chinese names as in the national clinical
edition 国家临床版 2.0 where it has them). Group administrators add codes in the admin.

The list is written out here rather than imported from the app: a migration must give the
same result whenever it runs.
"""

from django.db import migrations

DIAGNOSES = [
    # Infections
    ("A08.0", "轮状病毒性肠炎", "Rotaviral enteritis"),
    ("A08.4", "病毒性肠道感染", "Viral intestinal infection, unspecified"),
    ("A09", "感染性腹泻", "Infectious gastroenteritis and colitis, unspecified"),
    ("A38", "猩红热", "Scarlet fever"),
    ("A41.9", "脓毒症", "Sepsis, unspecified"),
    ("A87.9", "病毒性脑膜炎", "Viral meningitis, unspecified"),
    ("B01.9", "水痘", "Varicella without complication"),
    ("B05.9", "麻疹", "Measles without complication"),
    ("B08.4", "手足口病", "Enteroviral vesicular stomatitis with exanthem (hand, foot and mouth disease)"),
    ("B08.5", "疱疹性咽峡炎", "Enteroviral vesicular pharyngitis (herpangina)"),
    ("B26.9", "流行性腮腺炎", "Mumps without complication"),
    ("B27.9", "传染性单核细胞增多症", "Infectious mononucleosis, unspecified"),
    ("B34.9", "病毒感染", "Viral infection, unspecified"),
    ("G00.9", "细菌性脑膜炎", "Bacterial meningitis, unspecified"),
    ("G04.9", "脑炎", "Encephalitis, myelitis and encephalomyelitis, unspecified"),
    # Respiratory
    ("J00", "急性鼻咽炎（普通感冒）", "Acute nasopharyngitis (common cold)"),
    ("J02.9", "急性咽炎", "Acute pharyngitis, unspecified"),
    ("J03.9", "急性扁桃体炎", "Acute tonsillitis, unspecified"),
    ("J04.0", "急性喉炎", "Acute laryngitis"),
    ("J05.0", "急性阻塞性喉炎（哮吼）", "Acute obstructive laryngitis (croup)"),
    ("J06.9", "急性上呼吸道感染", "Acute upper respiratory infection, unspecified"),
    ("J10.1", "流行性感冒", "Influenza with other respiratory manifestations, seasonal influenza virus identified"),
    ("J12.1", "呼吸道合胞病毒肺炎", "Respiratory syncytial virus pneumonia"),
    ("J12.9", "病毒性肺炎", "Viral pneumonia, unspecified"),
    ("J13", "肺炎链球菌肺炎", "Pneumonia due to Streptococcus pneumoniae"),
    ("J15.7", "肺炎支原体肺炎", "Pneumonia due to Mycoplasma pneumoniae"),
    ("J18.0", "支气管肺炎", "Bronchopneumonia, unspecified"),
    ("J18.9", "肺炎", "Pneumonia, unspecified"),
    ("J20.9", "急性支气管炎", "Acute bronchitis, unspecified"),
    ("J21.0", "呼吸道合胞病毒毛细支气管炎", "Acute bronchiolitis due to respiratory syncytial virus"),
    ("J21.9", "毛细支气管炎", "Acute bronchiolitis, unspecified"),
    ("J30.4", "过敏性鼻炎", "Allergic rhinitis, unspecified"),
    ("J35.3", "扁桃体和腺样体肥大", "Hypertrophy of tonsils with hypertrophy of adenoids"),
    ("J45.9", "哮喘", "Asthma, unspecified"),
    ("J46", "哮喘持续状态", "Status asthmaticus"),
    ("J86.9", "脓胸", "Pyothorax without fistula"),
    ("J90", "胸腔积液", "Pleural effusion, not elsewhere classified"),
    ("J96.0", "急性呼吸衰竭", "Acute respiratory failure"),
    ("H66.9", "中耳炎", "Otitis media, unspecified"),
    # Digestive
    ("K35.8", "急性阑尾炎", "Acute appendicitis, other and unspecified"),
    ("K52.9", "非感染性胃肠炎", "Noninfective gastroenteritis and colitis, unspecified"),
    ("K56.1", "肠套叠", "Intussusception"),
    ("K59.0", "便秘", "Constipation"),
    ("K21.9", "胃食管反流病", "Gastro-oesophageal reflux disease without oesophagitis"),
    ("K40.9", "腹股沟疝", "Unilateral or unspecified inguinal hernia, without obstruction or gangrene"),
    ("E86", "脱水", "Volume depletion (dehydration)"),
    # Neonatal
    ("P07.3", "早产儿", "Other preterm infants"),
    ("P22.0", "新生儿呼吸窘迫综合征", "Respiratory distress syndrome of newborn"),
    ("P22.1", "新生儿暂时性呼吸增快", "Transient tachypnoea of newborn"),
    ("P23.9", "新生儿肺炎", "Congenital pneumonia, unspecified"),
    ("P36.9", "新生儿败血症", "Bacterial sepsis of newborn, unspecified"),
    ("P55.1", "新生儿ABO溶血病", "ABO isoimmunization of fetus and newborn"),
    ("P59.9", "新生儿黄疸", "Neonatal jaundice, unspecified"),
    ("P70.4", "新生儿低血糖", "Other neonatal hypoglycaemia"),
    ("P92.9", "新生儿喂养问题", "Feeding problem of newborn, unspecified"),
    # Neurology
    ("G40.9", "癫痫", "Epilepsy, unspecified"),
    ("G41.9", "癫痫持续状态", "Status epilepticus, unspecified"),
    ("G80.9", "脑性瘫痪", "Cerebral palsy, unspecified"),
    ("G43.9", "偏头痛", "Migraine, unspecified"),
    ("R56.0", "热性惊厥", "Febrile convulsions"),
    ("R56.8", "惊厥", "Other and unspecified convulsions"),
    ("S06.0", "脑震荡", "Concussion"),
    # Cardiology
    ("I40.9", "急性心肌炎", "Acute myocarditis, unspecified"),
    ("I47.1", "室上性心动过速", "Supraventricular tachycardia"),
    ("M30.3", "川崎病", "Mucocutaneous lymph node syndrome (Kawasaki disease)"),
    ("Q21.0", "室间隔缺损", "Ventricular septal defect"),
    ("Q21.1", "房间隔缺损", "Atrial septal defect"),
    ("Q25.0", "动脉导管未闭", "Patent ductus arteriosus"),
    # Kidney, blood, endocrine, allergy, skin
    ("N04.9", "肾病综合征", "Nephrotic syndrome, unspecified"),
    ("N39.0", "泌尿道感染", "Urinary tract infection, site not specified"),
    ("D50.9", "缺铁性贫血", "Iron deficiency anaemia, unspecified"),
    ("D69.3", "免疫性血小板减少症", "Idiopathic thrombocytopenic purpura"),
    ("D69.0", "过敏性紫癜", "Allergic purpura (Henoch-Schönlein)"),
    ("C91.0", "急性淋巴细胞白血病", "Acute lymphoblastic leukaemia"),
    ("E10.1", "1型糖尿病酮症酸中毒", "Type 1 diabetes mellitus with ketoacidosis"),
    ("E44.0", "中度营养不良", "Moderate protein-energy malnutrition"),
    ("T78.2", "过敏性休克", "Anaphylactic shock, unspecified"),
    ("L20.9", "特应性皮炎", "Atopic dermatitis, unspecified"),
    ("L50.9", "荨麻疹", "Urticaria, unspecified"),
    # Symptoms, injuries, poisoning
    ("R50.9", "发热", "Fever, unspecified"),
    ("R11", "恶心和呕吐", "Nausea and vomiting"),
    ("R10.4", "腹痛", "Other and unspecified abdominal pain"),
    ("R06.0", "呼吸困难", "Dyspnoea"),
    ("R62.8", "生长发育迟缓", "Other lack of expected normal physiological development"),
    ("S42.0", "锁骨骨折", "Fracture of clavicle"),
    ("S52.5", "桡骨下端骨折", "Fracture of lower end of radius"),
    ("T17.9", "呼吸道异物", "Foreign body in respiratory tract, part unspecified"),
    ("T30.0", "烧伤", "Burn of unspecified body region, unspecified degree"),
    ("T65.9", "中毒", "Toxic effect of unspecified substance"),
]


def load(apps, schema_editor):
    Diagnosis = apps.get_model("referrals", "Diagnosis")
    for code, name_zh, name_en in DIAGNOSES:
        Diagnosis.objects.update_or_create(code=code, defaults={"name_zh": name_zh, "name_en": name_en})


def unload(apps, schema_editor):
    Diagnosis = apps.get_model("referrals", "Diagnosis")
    Diagnosis.objects.filter(code__in=[code for code, _zh, _en in DIAGNOSES]).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
